// history.cpp — JSON Lines reading and writing, and the history table of reports.
#include "weft/history.hpp"

#include <algorithm>
#include <fstream>
#include <istream>
#include <numeric>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "weft/prop/json.hpp"

namespace weft::prop {

namespace {

// "[1,\"a\"]" -> "1, \"a\"": the argument list as it reads in a call.
std::string call_args(const std::string& args_json) {
  try {
    const json::value v = json::value::parse(args_json);
    if (!v.is_array()) return args_json;
    std::string out;
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
      if (i != 0) out += ", ";
      out += v.as_array()[i].dump();
    }
    return out;
  } catch (const std::exception&) {
    return args_json;
  }
}

std::string stamp(std::uint64_t t) {
  return t == never ? "-" : std::to_string(t);
}

}  // namespace

void write_jsonl(std::ostream& os, const history& h) {
  std::string line;
  for (const operation& o : h) {
    line.clear();
    line += "{\"thread\":";
    line += std::to_string(o.thread);
    line += ",\"op\":";
    json::write_string(line, o.op);
    line += ",\"args\":";
    line += o.args.empty() ? "[]" : o.args;
    line += ",\"result\":";
    line += o.pending() || o.result.empty() ? "null" : o.result;
    line += ",\"invoke\":";
    line += std::to_string(o.invoke);
    line += ",\"return\":";
    line += o.pending() ? "null" : std::to_string(o.ret);
    line += "}\n";
    os << line;
  }
}

std::string to_jsonl(const history& h) {
  std::ostringstream os;
  write_jsonl(os, h);
  return os.str();
}

history read_jsonl(std::istream& is) {
  history h;
  std::string line;
  std::size_t number = 0;
  while (std::getline(is, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const json::value v = json::value::parse(line);
      if (!v.is_object()) throw std::invalid_argument("not a JSON object");
      auto field = [&](std::string_view name) -> const json::value& {
        const json::value* f = v.find(name);
        if (f == nullptr) throw std::invalid_argument("missing \"" + std::string(name) + "\"");
        return *f;
      };
      operation o;
      o.thread = static_cast<int>(field("thread").as_int());
      o.op = field("op").as_string();
      const json::value* args = v.find("args");
      o.args = args != nullptr ? args->dump() : "[]";
      const json::value* result = v.find("result");
      o.result = result != nullptr ? result->dump() : "null";
      o.invoke = field("invoke").as_uint();
      const json::value& ret = field("return");
      o.ret = ret.is_null() ? never : ret.as_uint();
      if (!o.pending() && o.ret < o.invoke) {
        throw std::invalid_argument("\"return\" is earlier than \"invoke\"");
      }
      h.push_back(std::move(o));
    } catch (const std::exception& e) {
      throw std::runtime_error("history line " + std::to_string(number) + ": " + e.what());
    }
  }
  return h;
}

history parse_jsonl(std::string_view text) {
  std::istringstream is{std::string(text)};
  return read_jsonl(is);
}

void save_history(const std::string& path, const history& h) {
  std::ofstream os(path, std::ios::trunc);
  if (!os) throw std::runtime_error("cannot write history file " + path);
  write_jsonl(os, h);
  if (!os) throw std::runtime_error("error writing history file " + path);
}

history load_history(const std::string& path) {
  std::ifstream is(path);
  if (!is) throw std::runtime_error("cannot read history file " + path);
  return read_jsonl(is);
}

std::string describe(const operation& o) {
  std::string out = o.op + "(" + call_args(o.args) + ") -> ";
  out += o.pending() ? "(pending)" : o.result;
  return out;
}

std::string format_history(const history& h, const std::vector<std::string>* described) {
  auto text = [&](std::size_t i) {
    return described != nullptr && i < described->size() ? (*described)[i] : describe(h[i]);
  };
  auto pad = [](std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
  };
  std::vector<std::size_t> order(h.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return h[a].invoke != h[b].invoke ? h[a].invoke < h[b].invoke : a < b;
  });
  std::size_t width = 19;  // "operation -> result"
  for (std::size_t i = 0; i < h.size(); ++i) {
    width = std::max(width, text(i).size());
  }
  std::string out = "  thread  " + pad("operation -> result", width) + "  invoke  return\n";
  for (const std::size_t i : order) {
    const operation& o = h[i];
    std::string thread = "seq";
    if (o.thread != 0) thread = std::string(1, 't').append(std::to_string(o.thread));
    out.append("  ").append(pad(thread, 6)).append("  ").append(pad(text(i), width));
    out.append("  ").append(pad(stamp(o.invoke), 6)).append("  ").append(stamp(o.ret)).append("\n");
  }
  return out;
}

}  // namespace weft::prop
