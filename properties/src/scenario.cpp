// scenario.cpp — scenario generation, shrinking and the column layout of reports.
#include "weft/prop/scenario.hpp"

#include <algorithm>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace weft::prop {

std::string invocation::to_string() const {
  return op == nullptr ? "?" : op->name + "(" + op->show_args(args) + ")";
}

std::size_t scenario::size() const {
  std::size_t n = init.size() + post.size();
  for (const auto& t : parallel) {
    n += t.size();
  }
  return n;
}

std::string format_scenario(const scenario& s, const std::vector<std::string>* results) {
  const std::size_t columns = std::max<std::size_t>(1, s.parallel.size());
  std::size_t slot = 0;
  auto cell = [&](const invocation& inv) {
    std::string text = inv.to_string();
    if (results != nullptr && slot < results->size()) text += " -> " + (*results)[slot];
    ++slot;
    return text;
  };
  // Rows of cells; an empty row is a separator.
  std::vector<std::vector<std::string>> rows;
  auto sequential = [&](const char* label, const std::vector<invocation>& part) {
    if (part.empty()) return;
    if (!rows.empty()) rows.emplace_back();
    rows.push_back({label});
    for (const auto& inv : part) {
      rows.push_back({cell(inv)});
    }
  };
  sequential("init", s.init);
  if (!s.parallel.empty()) {
    if (!rows.empty()) rows.emplace_back();
    std::vector<std::string> header;
    std::size_t depth = 0;
    for (std::size_t t = 0; t < s.parallel.size(); ++t) {
      header.push_back("thread " + std::to_string(t + 1));
      depth = std::max(depth, s.parallel[t].size());
    }
    rows.push_back(header);
    std::vector<std::vector<std::string>> body(depth, std::vector<std::string>(columns));
    for (std::size_t t = 0; t < s.parallel.size(); ++t) {
      for (std::size_t k = 0; k < s.parallel[t].size(); ++k) {
        body[k][t] = cell(s.parallel[t][k]);
      }
    }
    rows.insert(rows.end(), body.begin(), body.end());
  }
  sequential("post", s.post);
  if (rows.empty()) return "  (empty scenario)\n";

  std::vector<std::size_t> width(columns, 0);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      width[c] = std::max(width[c], r[c].size());
    }
  }
  std::string out;
  for (const auto& r : rows) {
    out += "  |";
    for (std::size_t c = 0; c < columns; ++c) {
      if (r.empty()) {
        out += std::string(width[c] + 2, '-') + (c + 1 < columns ? "+" : "|");
        continue;
      }
      const std::string text = c < r.size() ? r[c] : "";
      out += " " + text + std::string(width[c] - text.size(), ' ') + " |";
    }
    out += "\n";
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const scenario& s) {
  return os << "\n" << format_scenario(s);
}

namespace {

using inv_shrinkable = rc::Shrinkable<invocation>;

// A scenario as the shrinkables of its calls: shrinking rearranges and shrinks these.
struct tree {
  std::vector<inv_shrinkable> init;
  std::vector<std::vector<inv_shrinkable>> threads;
  std::vector<inv_shrinkable> post;
};

scenario value_of(const tree& t) {
  scenario s;
  for (const auto& i : t.init) {
    s.init.push_back(i.value());
  }
  for (const auto& th : t.threads) {
    s.parallel.emplace_back();
    for (const auto& i : th) {
      s.parallel.back().push_back(i.value());
    }
  }
  for (const auto& i : t.post) {
    s.post.push_back(i.value());
  }
  return s;
}

rc::Shrinkable<scenario> make(tree t);

// Where one call sits in a tree: part 0 = init, 1 = a thread, 2 = post.
struct position {
  int part;
  std::size_t thread;
  std::size_t index;
};

inv_shrinkable& at(tree& t, const position& p) {
  if (p.part == 0) return t.init[p.index];
  if (p.part == 1) return t.threads[p.thread][p.index];
  return t.post[p.index];
}

rc::Seq<rc::Shrinkable<scenario>> shrinks_of(const tree& t) {
  std::vector<tree> structural;
  // Fewer threads.
  for (std::size_t i = 0; i < t.threads.size(); ++i) {
    tree c = t;
    c.threads.erase(c.threads.begin() + static_cast<std::ptrdiff_t>(i));
    structural.push_back(std::move(c));
  }
  // No initial / final part.
  if (t.init.size() > 1) {
    tree c = t;
    c.init.clear();
    structural.push_back(std::move(c));
  }
  if (t.post.size() > 1) {
    tree c = t;
    c.post.clear();
    structural.push_back(std::move(c));
  }
  // One call fewer (a thread left empty disappears: dropping it was tried above).
  std::vector<position> positions;
  for (std::size_t k = 0; k < t.init.size(); ++k) {
    positions.push_back({0, 0, k});
  }
  for (std::size_t th = 0; th < t.threads.size(); ++th) {
    for (std::size_t k = 0; k < t.threads[th].size(); ++k) {
      positions.push_back({1, th, k});
    }
  }
  for (std::size_t k = 0; k < t.post.size(); ++k) {
    positions.push_back({2, 0, k});
  }
  for (const position& p : positions) {
    if (p.part == 1 && t.threads[p.thread].size() == 1) continue;
    tree c = t;
    if (p.part == 0) {
      c.init.erase(c.init.begin() + static_cast<std::ptrdiff_t>(p.index));
    } else if (p.part == 1) {
      auto& th = c.threads[p.thread];
      th.erase(th.begin() + static_cast<std::ptrdiff_t>(p.index));
    } else {
      c.post.erase(c.post.begin() + static_cast<std::ptrdiff_t>(p.index));
    }
    structural.push_back(std::move(c));
  }

  std::vector<rc::Seq<rc::Shrinkable<scenario>>> seqs;
  seqs.push_back(rc::seq::map(rc::seq::fromContainer(std::move(structural)),
                              [](tree c) { return make(std::move(c)); }));
  // Smaller arguments, one call at a time (lazily: argument shrinks can be many).
  for (const position& p : positions) {
    tree base = t;
    seqs.push_back(rc::seq::map(at(base, p).shrinks(), [base, p](inv_shrinkable s) {
      tree c = base;
      at(c, p) = std::move(s);
      return make(std::move(c));
    }));
  }
  return rc::seq::join(rc::seq::fromContainer(std::move(seqs)));
}

rc::Shrinkable<scenario> make(tree t) {
  auto shared = std::make_shared<const tree>(std::move(t));
  return rc::shrinkable::lambda([shared] { return value_of(*shared); },
                                [shared] { return shrinks_of(*shared); });
}

}  // namespace

rc::Gen<scenario> scenario_gen(std::vector<std::shared_ptr<const detail::op_info>> ops,
                               const shape& sh) {
  if (ops.empty()) throw std::invalid_argument("weft::prop: the spec has no operations");
  std::uint64_t total = 0;
  for (const auto& op : ops) {
    total += op->weight;
  }
  if (total == 0) throw std::invalid_argument("weft::prop: every operation has weight 0");
  return rc::Gen<scenario>([ops = std::move(ops), sh, total](const rc::Random& random, int size) {
    rc::Random splitter = random;
    rc::Random numbers = splitter.split();
    auto call = [&]() -> inv_shrinkable {
      std::uint64_t pick = numbers.next() % total;
      std::size_t index = 0;
      while (pick >= ops[index]->weight) {
        pick -= ops[index++]->weight;
      }
      const auto& op = ops[index];
      return rc::shrinkable::map(op->generate(splitter.split(), size), [op, index](std::any a) {
        return invocation{op, index, std::move(a)};
      });
    };
    tree t;
    const std::size_t before = static_cast<std::size_t>(numbers.next() % (sh.ops_before + 1));
    for (std::size_t i = 0; i < before; ++i) {
      t.init.push_back(call());
    }
    if (sh.ops_per_thread > 0) {
      for (std::size_t th = 0; th < sh.threads; ++th) {
        t.threads.emplace_back();
        for (std::size_t k = 0; k < sh.ops_per_thread; ++k) {
          t.threads.back().push_back(call());
        }
      }
    }
    const std::size_t after = static_cast<std::size_t>(numbers.next() % (sh.ops_after + 1));
    for (std::size_t i = 0; i < after; ++i) {
      t.post.push_back(call());
    }
    return make(std::move(t));
  });
}

}  // namespace weft::prop
