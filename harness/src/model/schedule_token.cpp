#include "model/schedule_token.hpp"

#include <stdexcept>

namespace weft::model::detail {
namespace {

constexpr std::string_view prefix = "w1.";
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t get_varint(std::string_view in, std::size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) throw std::invalid_argument("weft replay token is truncated");
    const auto byte = static_cast<unsigned char>(in[pos++]);
    v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  throw std::invalid_argument("weft replay token has an overlong number");
}

std::string base64url(const std::string& bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::string unbase64url(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      throw std::invalid_argument("weft replay token has a character outside base64url");
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

std::string encode_schedule(const recorded_schedule& s) {
  std::string bytes;
  put_varint(bytes, s.steps);
  put_varint(bytes, s.hash);
  std::vector<std::pair<std::uint32_t, std::uint64_t>> runs;
  for (std::uint32_t d : s.decisions) {
    if (!runs.empty() && runs.back().first == d) {
      ++runs.back().second;
    } else {
      runs.emplace_back(d, 1);
    }
  }
  put_varint(bytes, runs.size());
  for (const auto& [value, repeat] : runs) {
    put_varint(bytes, value);
    put_varint(bytes, repeat);
  }
  return std::string(prefix) + base64url(bytes);
}

recorded_schedule decode_schedule(std::string_view token) {
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) {
    token.remove_suffix(1);
  }
  if (token.substr(0, prefix.size()) != prefix) {
    throw std::invalid_argument("not a weft replay token (expected it to start with \"w1.\")");
  }
  const std::string bytes = unbase64url(token.substr(prefix.size()));
  std::size_t pos = 0;
  recorded_schedule s;
  s.steps = get_varint(bytes, pos);
  s.hash = static_cast<std::uint32_t>(get_varint(bytes, pos));
  const std::uint64_t runs = get_varint(bytes, pos);
  if (runs > bytes.size()) throw std::invalid_argument("weft replay token is corrupt");
  for (std::uint64_t i = 0; i < runs; ++i) {
    const auto value = static_cast<std::uint32_t>(get_varint(bytes, pos));
    const std::uint64_t repeat = get_varint(bytes, pos);
    if (repeat == 0 || repeat > (1ULL << 32) || s.decisions.size() + repeat > (1ULL << 32)) {
      throw std::invalid_argument("weft replay token is corrupt");
    }
    s.decisions.insert(s.decisions.end(), repeat, value);
  }
  if (pos != bytes.size()) throw std::invalid_argument("weft replay token has trailing data");
  return s;
}

}  // namespace weft::model::detail
