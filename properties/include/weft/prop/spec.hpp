// weft/prop/spec.hpp — weft::prop::spec<Object, Model>: a concurrent component described
// by its operations and a sequential model of them.
//
//   struct queue_model {            // the specification: a plain sequential value
//     std::deque<int> items;
//     bool operator==(const queue_model&) const = default;
//   };
//   auto s = weft::prop::spec<bounded_queue, queue_model>("bounded_queue")
//     .make([] { return std::make_unique<bounded_queue>(2); })
//     .op("push", rc::gen::inRange(0, 10),
//         [](bounded_queue& q, int v) { return q.try_push(v); },        // on the object
//         [](queue_model& m, int v) {                                    // on the model
//           if (m.items.size() == 2) return false;
//           m.items.push_back(v);
//           return true;
//         })
//     .op("pop",
//         [](bounded_queue& q) { return q.try_pop(); },
//         [](queue_model& m) -> std::optional<int> {
//           if (m.items.empty()) return std::nullopt;
//           int v = m.items.front();
//           m.items.pop_front();
//           return v;
//         })
//     .invariant("size <= 2", [](const bounded_queue& q) { return q.size() <= 2; });
//
// An operation is: a name; zero or more RapidCheck generators, one per argument; how to
// call it on the object (returning the result, or void); and how to apply it to the
// model (returning the result the specification expects). Results are compared with ==
// and shown with weft::prop::show (operator<< or a weft::prop::printer<T>).
//
// Non-deterministic specifications: when the specification allows several outcomes (a
// cache may miss at any time, a try_ operation may fail spuriously), the model step takes
// the state by const reference and returns weft::prop::outcomes<R, Model> listing every
// allowed (result, next state) pair; the history is accepted if some choice fits.
//
// Per-key checking: `.key(f)` after an operation says which key its arguments touch. When
// every operation of a history has a key, the history is split by key and each part is
// checked alone against the initial model (P-compositionality) — much faster for maps.
//
// A spec is a cheap handle (copies share the description); build it once, then check it.
// Argument and result types must be copyable; arguments are generated fresh per scenario.
#pragma once

#include <algorithm>
#include <any>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include "weft/history.hpp"
#include "weft/prop/json.hpp"
#include "weft/prop/values.hpp"

namespace weft::prop {

// Every (result, next model state) a non-deterministic model step allows.
template <class R, class Model>
class outcomes {
 public:
  using result_type = R;
  using model_type = Model;

  outcomes() = default;
  outcomes(std::initializer_list<std::pair<R, Model>> items) : items_(items) {}

  // Allows `result`, after which the model is `next`.
  outcomes& allow(R result, Model next) {
    items_.emplace_back(std::move(result), std::move(next));
    return *this;
  }

  std::vector<std::pair<R, Model>>& items() noexcept { return items_; }
  const std::vector<std::pair<R, Model>>& items() const noexcept { return items_; }

 private:
  std::vector<std::pair<R, Model>> items_;
};

// The arguments / the result an operation of a recorded history was called with / returned
// (A... and R as in the spec's op(); R is weft::prop::unit for void). Throws
// std::bad_any_cast for another operation's types; result_of also for a pending operation.
template <class... A>
const std::tuple<A...>& args_of(const operation& o) {
  return std::any_cast<const std::tuple<A...>&>(o.typed_args);
}
template <class R>
const R& result_of(const operation& o) {
  return std::any_cast<const R&>(o.typed_result);
}

namespace detail {

template <class T>
struct is_outcomes : std::false_type {};
template <class R, class M>
struct is_outcomes<outcomes<R, M>> : std::true_type {};

// The decayed parameter types of a non-generic callable, as a std::tuple.
template <class F>
struct callable_args : callable_args<decltype(&F::operator())> {};
template <class R, class... P>
struct callable_args<R (*)(P...)> {
  using type = std::tuple<std::decay_t<P>...>;
};
template <class C, class R, class... P>
struct callable_args<R (C::*)(P...) const> {
  using type = std::tuple<std::decay_t<P>...>;
};
template <class C, class R, class... P>
struct callable_args<R (C::*)(P...)> {
  using type = std::tuple<std::decay_t<P>...>;
};

template <class G>
struct gen_value {
  static_assert(sizeof(G) == 0,
                "weft::prop::spec::op: the parts before the two callables must be RapidCheck "
                "generators (rc::Gen<T>), one per argument");
};
template <class T>
struct gen_value<rc::Gen<T>> {
  using type = T;
};

// What the runner, the scenario generator and the reports need of an operation,
// independent of the object and model types.
struct op_info {
  std::string name;
  unsigned weight = 1;
  bool keyed = false;

  op_info() = default;
  op_info(const op_info&) = delete;
  op_info& operator=(const op_info&) = delete;
  virtual ~op_info() = default;

  virtual rc::Shrinkable<std::any> generate(const rc::Random& random, int size) const = 0;
  virtual std::string show_args(const std::any& args) const = 0;  // "3, \"a\""
  virtual std::string show_result(const std::any& result) const = 0;
  virtual std::string args_json(const std::any& args) const = 0;  // "[3,\"a\"]"
  virtual std::string result_json(const std::any& result) const = 0;
  virtual std::any decode_args(const json::value& args) const = 0;
  virtual std::string key(const std::any& args) const = 0;  // keyed operations only
  // Installs a key function: a std::function<std::string(const std::tuple<A...>&)>.
  virtual void set_key(std::any fn) = 0;
};

template <class Object, class Model>
struct op_desc : op_info {
  // Calls the operation on the object; the result as a std::any (unit for void).
  virtual std::any call(Object& object, const std::any& args) const = 0;
  // Appends the model states that may follow `m` when the operation of `rec` (with the
  // result it returned, or any result while pending) is linearized in state m.
  virtual void step(const Model& m, const operation& rec, std::vector<Model>& out) const = 0;
  // The results the model allows in state m, shown (for failure reports).
  virtual std::vector<std::string> allowed(const Model& m, const std::any& args) const = 0;
};

template <class Object, class Model, class Call, class Apply, class... A>
class op_impl final : public op_desc<Object, Model> {
 public:
  using args_type = std::tuple<A...>;
  using call_result = std::invoke_result_t<const Call&, Object&, const A&...>;
  using result_type =
      std::conditional_t<std::is_void_v<call_result>, unit, std::decay_t<call_result>>;
  using apply_result = std::invoke_result_t<const Apply&, Model&, const A&...>;
  static constexpr bool nondeterministic = is_outcomes<std::decay_t<apply_result>>::value;

  static_assert(std::equality_comparable<result_type>,
                "weft::prop: operation results must be comparable with ==");
  static_assert(std::is_copy_constructible_v<result_type> &&
                    std::is_copy_constructible_v<args_type>,
                "weft::prop: operation arguments and results must be copyable");

  // `name` is moved: the check misses a move into a member of a dependent base.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  op_impl(std::string name, Call call, Apply apply, rc::Gen<A>... gens)
      : call_(std::move(call)), apply_(std::move(apply)), gen_(make_gen(std::move(gens)...)) {
    this->name = std::move(name);
  }

  std::function<std::string(const args_type&)> key_fn;

  rc::Shrinkable<std::any> generate(const rc::Random& random, int size) const override {
    return rc::shrinkable::map(gen_(random, size), [](const args_type& t) { return std::any(t); });
  }

  std::string show_args(const std::any& args) const override {
    std::string out;
    std::apply(
        [&](const A&... xs) {
          std::size_t i = 0;
          ((out += (i++ == 0 ? "" : ", "), out += show(xs)), ...);
        },
        typed(args));
    return out;
  }

  std::string show_result(const std::any& result) const override {
    if (const auto* r = std::any_cast<result_type>(&result)) return show(*r);
    return "?";
  }

  std::string args_json(const std::any& args) const override {
    std::string out = "[";
    std::apply(
        [&](const A&... xs) {
          std::size_t i = 0;
          ((out += (i++ == 0 ? "" : ","), encode_json(out, xs)), ...);
        },
        typed(args));
    return out + "]";
  }

  std::string result_json(const std::any& result) const override {
    if (const auto* r = std::any_cast<result_type>(&result)) return encode_json(*r);
    return "null";
  }

  std::any decode_args(const json::value& args) const override {
    const auto& a = args.as_array();
    if (a.size() != sizeof...(A)) {
      throw std::invalid_argument("operation " + this->name + " takes " +
                                  std::to_string(sizeof...(A)) + " argument(s), the history has " +
                                  std::to_string(a.size()));
    }
    return decode_tuple(a, std::index_sequence_for<A...>{});
  }

  std::string key(const std::any& args) const override {
    return key_fn ? key_fn(typed(args)) : std::string();
  }

  void set_key(std::any fn) override {
    auto* f = std::any_cast<std::function<std::string(const args_type&)>>(&fn);
    if (f == nullptr) {
      throw std::logic_error("weft::prop::spec::key: the key function of operation " + this->name +
                             " must take exactly the operation's argument types");
    }
    key_fn = std::move(*f);
    this->keyed = true;
  }

  std::any call(Object& object, const std::any& args) const override {
    const args_type& t = typed(args);
    if constexpr (std::is_void_v<call_result>) {
      std::apply([&](const A&... xs) { call_(object, xs...); }, t);
      return std::any(unit{});
    } else {
      return std::any(result_type(
          std::apply([&](const A&... xs) -> decltype(auto) { return call_(object, xs...); }, t)));
    }
  }

  void step(const Model& m, const operation& rec, std::vector<Model>& out) const override {
    const args_type& t = typed(rec.typed_args);
    if constexpr (nondeterministic) {
      auto all = apply_nondeterministic(m, t);
      for (auto& [r, next] : all.items()) {
        if (rec.pending() || matches(rec, to_result(r))) out.push_back(std::move(next));
      }
    } else {
      Model next = m;
      const result_type expected = apply_deterministic(next, t);
      if (rec.pending() || matches(rec, expected)) out.push_back(std::move(next));
    }
  }

  std::vector<std::string> allowed(const Model& m, const std::any& args) const override {
    const args_type& t = typed(args);
    std::vector<std::string> out;
    if constexpr (nondeterministic) {
      auto all = apply_nondeterministic(m, t);
      for (const auto& item : all.items()) {
        std::string s = show(to_result(item.first));
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
      }
    } else {
      Model next = m;
      out.push_back(show(apply_deterministic(next, t)));
    }
    return out;
  }

 private:
  static rc::Gen<args_type> make_gen(rc::Gen<A>... gens) {
    if constexpr (sizeof...(A) == 0) {
      return rc::gen::just(args_type{});
    } else {
      return rc::gen::tuple(std::move(gens)...);
    }
  }

  static const args_type& typed(const std::any& a) {
    const auto* t = std::any_cast<args_type>(&a);
    if (t == nullptr) throw std::logic_error("weft::prop: arguments of another operation's type");
    return *t;
  }

  template <std::size_t... I>
  static std::any decode_tuple(const json::value::array_t& a, std::index_sequence<I...>) {
    return std::any(args_type(decode_json<A>(a[I])...));
  }

  template <class R>
  static result_type to_result(R&& r) {
    if constexpr (std::is_same_v<result_type, unit>) {
      return unit{};
    } else {
      return result_type(std::forward<R>(r));
    }
  }

  result_type apply_deterministic(Model& m, const args_type& t) const {
    if constexpr (std::is_void_v<apply_result>) {
      static_assert(std::is_same_v<result_type, unit>,
                    "weft::prop: the model step returns void but the operation returns a value");
      std::apply([&](const A&... xs) { apply_(m, xs...); }, t);
      return unit{};
    } else {
      static_assert(
          std::is_same_v<result_type, unit> || std::is_constructible_v<result_type, apply_result>,
          "weft::prop: the model step must return the operation's result type");
      return to_result(
          std::apply([&](const A&... xs) -> decltype(auto) { return apply_(m, xs...); }, t));
    }
  }

  std::decay_t<apply_result> apply_nondeterministic(const Model& m, const args_type& t) const {
    if constexpr (std::is_invocable_v<const Apply&, const Model&, const A&...>) {
      return std::apply([&](const A&... xs) { return apply_(m, xs...); }, t);
    } else {
      Model copy = m;
      return std::apply([&](const A&... xs) { return apply_(copy, xs...); }, t);
    }
  }

  static bool matches(const operation& rec, const result_type& expected) {
    if (const auto* actual = std::any_cast<result_type>(&rec.typed_result)) {
      return *actual == expected;
    }
    return encode_json(expected) == rec.result;
  }

  Call call_;
  Apply apply_;
  rc::Gen<args_type> gen_;
};

template <class Object>
struct invariant_desc {
  std::string name;
  std::function<bool(const Object&)> holds;
  bool final_only = false;
};

template <class Object, class Model>
struct spec_data {
  std::string name;
  std::function<std::unique_ptr<Object>()> make;
  std::optional<Model> initial;
  std::vector<std::shared_ptr<op_desc<Object, Model>>> ops;
  std::vector<invariant_desc<Object>> invariants;
  std::vector<std::pair<std::string, std::function<std::string(const history&)>>> history_checks;
  std::function<std::string(const Model&)> show_model;

  const op_desc<Object, Model>& op(std::size_t i) const { return *ops.at(i); }
  const Model& initial_model() const {
    if (!initial) {
      throw std::logic_error("weft::prop::spec " + name + ": no initial model (call .initial(m))");
    }
    return *initial;
  }
  std::string describe_model(const Model& m) const {
    if (show_model) return show_model(m);
    if constexpr (is_showable_v<Model>) {
      return show(m);
    } else {
      return "(not shown: give the model an operator<< or use spec::show_model)";
    }
  }
  std::vector<std::shared_ptr<const op_info>> infos() const { return {ops.begin(), ops.end()}; }
  // Index of the operation called `name`, or -1.
  std::size_t find(const std::string& op_name) const {
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (ops[i]->name == op_name) return i;
    }
    return static_cast<std::size_t>(-1);
  }
};

}  // namespace detail

template <class Object, class Model>
class spec {
 public:
  using object_type = Object;
  using model_type = Model;

  // The initial model is Model{} when Model is default-constructible (else call initial()).
  // `name` is moved: the check misses a move through the dependent d_.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  explicit spec(std::string name) : d_(std::make_shared<detail::spec_data<Object, Model>>()) {
    d_->name = std::move(name);
    if constexpr (std::is_default_constructible_v<Model>) d_->initial.emplace();
    if constexpr (std::is_default_constructible_v<Object>) {
      d_->make = [] { return std::make_unique<Object>(); };
    }
  }

  // How to construct a fresh object for each run: returns std::unique_ptr<Object> or an
  // Object by value (constructed in place). Default: Object{}.
  template <class F>
  spec& make(F f) {
    if constexpr (std::is_convertible_v<std::invoke_result_t<F&>, std::unique_ptr<Object>>) {
      d_->make = [f = std::move(f)]() mutable { return std::unique_ptr<Object>(f()); };
    } else {
      d_->make = [f = std::move(f)]() mutable { return std::unique_ptr<Object>(new Object(f())); };
    }
    return *this;
  }

  // The model's initial state (each check starts from a copy).
  spec& initial(Model m) {
    d_->initial.emplace(std::move(m));
    return *this;
  }

  // op(name, [gen_1, ..., gen_n,] call, apply): see the header comment.
  //   call(Object&, const A1&, ..., const An&) -> R or void
  //   apply(Model&, const A1&, ...) -> R (or void), or
  //   apply(const Model&, const A1&, ...) -> weft::prop::outcomes<R, Model>
  template <class... Parts>
  spec& op(std::string name, Parts&&... parts) {
    static_assert(sizeof...(Parts) >= 2,
                  "weft::prop::spec::op(name, [generators...,] call, apply)");
    add_op(std::move(name), std::forward_as_tuple(std::forward<Parts>(parts)...),
           std::make_index_sequence<sizeof...(Parts) - 2>{});
    return *this;
  }

  // The key the last operation touches, from its arguments: key(const A1&, ...) -> K,
  // any K weft::prop::show can print; a lambda with the operation's argument types
  // spelled out (not `auto`). Enables per-key checking (see the header comment).
  template <class F>
  spec& key(F f) {
    using args_t = typename detail::callable_args<F>::type;
    std::function<std::string(const args_t&)> fn = [f = std::move(f)](const args_t& t) {
      return show(std::apply(f, t));
    };
    last().set_key(std::any(std::move(fn)));
    return *this;
  }

  // How often the last operation is picked relative to the others (default 1).
  spec& weight(unsigned w) {
    last().weight = w;
    return *this;
  }

  // A property of the object checked at every quiescent point (after each operation of
  // the sequential parts, after the parallel part, at the end).
  template <class F>
  spec& invariant(std::string name, F f) {
    d_->invariants.push_back({std::move(name), std::move(f), false});
    return *this;
  }

  // A property checked only once, at the end of each run.
  template <class F>
  spec& final_invariant(std::string name, F f) {
    d_->invariants.push_back({std::move(name), std::move(f), true});
    return *this;
  }

  // A property of each whole recorded history, checked after linearizability: f(const
  // weft::prop::history&) returns "" when it holds, else what is wrong. For what a
  // sequential model cannot say — e.g. that a rendezvous send overlaps the receive that
  // took its value. Read arguments and results with weft::prop::args_of / result_of.
  template <class F>
  spec& history_check(std::string name, F f) {
    d_->history_checks.emplace_back(std::move(name), std::move(f));
    return *this;
  }

  // How to print model states in reports (default: weft::prop::show).
  template <class F>
  spec& show_model(F f) {
    d_->show_model = std::move(f);
    return *this;
  }

  const std::string& name() const noexcept { return d_->name; }
  const detail::spec_data<Object, Model>& data() const noexcept { return *d_; }

 private:
  detail::op_info& last() {
    if (d_->ops.empty()) throw std::logic_error("weft::prop::spec: key()/weight() before any op()");
    return *d_->ops.back();
  }

  template <class Tuple, std::size_t... G>
  void add_op(std::string name, Tuple&& t, std::index_sequence<G...>) {
    constexpr std::size_t n = sizeof...(G);
    using call_t = std::decay_t<std::tuple_element_t<n, std::decay_t<Tuple>>>;
    using apply_t = std::decay_t<std::tuple_element_t<n + 1, std::decay_t<Tuple>>>;
    using impl_t =
        detail::op_impl<Object, Model, call_t, apply_t,
                        typename detail::gen_value<
                            std::decay_t<std::tuple_element_t<G, std::decay_t<Tuple>>>>::type...>;
    auto impl = std::make_shared<impl_t>(std::move(name), std::get<n>(t), std::get<n + 1>(t),
                                         std::get<G>(t)...);
    d_->ops.push_back(impl);
  }

  std::shared_ptr<detail::spec_data<Object, Model>> d_;
};

}  // namespace weft::prop
