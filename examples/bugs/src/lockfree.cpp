// Lock-free structure bugs: a work-stealing deque's last-element race, ABA on an
// index-linked Treiber stack, and a ring buffer that publishes a slot before filling it.
#include <cstdint>

#include "weft/sync.hpp"
#include "weft_bugs/zoo.hpp"

namespace weft_bugs {

namespace {

// --- wsq_last_element ----------------------------------------------------------------
// A fixed-capacity Chase-Lev work-stealing deque (the owner pushes and pops at the
// bottom, thieves steal at the top; indices never wrap in this test). All accesses are
// seq_cst: the bug is an interleaving bug, not a memory-order one.
// Bug: pop() treats the last element like any other and returns it without racing the
// thieves for it with a CAS on top.
// weft reports: assertion (an item is taken twice).
// Interleaving (one item left at index t): thief reads top=t, bottom=t+1; owner
// decrements bottom to t and reads top=t; thief CASes top t->t+1 and takes the item;
// owner returns the same item.
// Fix: when top == bottom after the decrement, the owner takes the item only if its
// CAS top t->t+1 wins, then restores bottom.
class ws_deque {
 public:
  static constexpr int empty = -1;

  explicit ws_deque(bool fixed) : fixed_(fixed) {}

  void push(int v) {  // owner only
    const long b = bottom_.load();
    slots_[b % capacity].store(v);
    bottom_.store(b + 1);
  }

  int pop() {  // owner only
    const long b = bottom_.load() - 1;
    bottom_.store(b);
    long t = top_.load();
    if (t > b) {  // already empty
      bottom_.store(b + 1);
      return empty;
    }
    const int v = slots_[b % capacity].load();
    if (t < b || !fixed_) {
      return v;  // BUG when !fixed_: t == b races with steal()
    }
    const bool won = top_.compare_exchange_strong(t, t + 1);
    bottom_.store(b + 1);
    return won ? v : empty;
  }

  int steal() {  // any thread
    long t = top_.load();
    const long b = bottom_.load();
    if (t >= b) {
      return empty;
    }
    const int v = slots_[t % capacity].load();
    return top_.compare_exchange_strong(t, t + 1) ? v : empty;
  }

 private:
  static constexpr int capacity = 4;
  bool fixed_;
  weft::atomic<long> top_{0};     // next index to steal
  weft::atomic<long> bottom_{0};  // next index to push; [top, bottom) holds items
  weft::atomic<int> slots_[capacity];
};

void wsq(bool fixed) {
  constexpr int items = 2;
  ws_deque q(fixed);
  weft::atomic<int> taken[items];  // how often each item was taken
  auto take = [&](int v) {
    if (v != ws_deque::empty) {
      WEFT_ASSERT(taken[v].fetch_add(1) == 0);
    }
  };
  for (int i = 0; i < items; ++i) {
    q.push(i);  // before the threads start: ordered by their start
  }
  weft::thread owner([&] {
    for (int i = 0; i < items; ++i) {
      take(q.pop());
    }
  });
  weft::thread thief([&] { take(q.steal()); });
  owner.join();
  thief.join();
  for (auto& n : taken) {
    WEFT_ASSERT(n.load() == 1);  // nothing lost either
  }
}

// --- treiber_aba ---------------------------------------------------------------------
// A Treiber stack over a fixed pool of nodes named by index (as in allocators that
// recycle slots). Bug: head is a bare index, so a pop that read head=A and next=B can
// succeed after A was popped, B popped and A pushed back (ABA): head becomes B, which
// another thread holds.
// weft reports: assertion (a node is owned twice).
// Interleaving: T1 reads head=0, next=1 and is preempted; T2 pops 0, pops 1, pushes 0;
// T1's CAS 0->1 succeeds.
// Fix: head carries a version tag bumped by every successful CAS.
class index_stack {
 public:
  static constexpr std::uint32_t nil = 0xFFFFFFFFu;

  explicit index_stack(bool tagged) : tagged_(tagged) {}

  void push(std::uint32_t node) {
    std::uint64_t h = head_.load();
    do {
      next_[node].store(index(h));
    } while (!head_.compare_exchange_weak(h, make(node, h)));
  }

  std::uint32_t pop() {
    std::uint64_t h = head_.load();
    while (index(h) != nil) {
      const std::uint32_t n = next_[index(h)].load();
      if (head_.compare_exchange_weak(h, make(n, h))) {
        break;
      }
    }
    return index(h);
  }

 private:
  static std::uint32_t index(std::uint64_t h) { return static_cast<std::uint32_t>(h); }
  std::uint64_t make(std::uint32_t i, std::uint64_t old) const {
    const std::uint64_t tag = tagged_ ? (old >> 32) + 1 : 0;  // BUG when !tagged_: no tag
    return tag << 32 | i;
  }

  bool tagged_;
  weft::atomic<std::uint64_t> head_{nil};  // low 32 bits: top node; high 32: version tag
  weft::atomic<std::uint32_t> next_[3];
};

void treiber(bool tagged) {
  index_stack s(tagged);
  for (std::uint32_t i = 3; i-- > 0;) {
    s.push(i);  // 0 -> 1 -> 2
  }
  std::uint32_t x = index_stack::nil;
  std::uint32_t b = index_stack::nil;
  weft::thread t1([&] { x = s.pop(); });
  weft::thread t2([&] {
    const std::uint32_t a = s.pop();
    b = s.pop();
    s.push(a);
  });
  t1.join();
  t2.join();
  int owners[3] = {0, 0, 0};
  for (std::uint32_t n : {x, b}) {
    if (n != index_stack::nil) {
      ++owners[n];
    }
  }
  for (int k = 0; k < 4; ++k) {  // bounded: a corrupted stack may be cyclic
    const std::uint32_t n = s.pop();
    if (n == index_stack::nil) {
      break;
    }
    ++owners[n];
  }
  for (int o : owners) {
    WEFT_ASSERT(o == 1);
  }
}

// --- spsc_publish_early --------------------------------------------------------------
// A single-producer single-consumer ring buffer. Bug: push() advances tail (release)
// before writing the slot, so the consumer can read the slot while, or before, the
// producer writes it; nothing orders the two accesses.
// weft reports: data_race (on a weft::var slot).
// Interleaving: producer stores tail=1; consumer loads tail=1 (acquire) and reads
// slot 0; producer writes slot 0.
// Fix: write the slot, then publish it with the release store of tail.
class spsc_ring {
 public:
  explicit spsc_ring(bool fixed) : fixed_(fixed) {}

  bool try_push(int v) {
    const unsigned t = tail_.load(std::memory_order_relaxed);
    if (t - head_.load(std::memory_order_acquire) == capacity) {
      return false;
    }
    if (fixed_) {
      slots_[t % capacity] = v;
    }
    tail_.store(t + 1, std::memory_order_release);
    if (!fixed_) {
      slots_[t % capacity] = v;  // BUG: written after it was published
    }
    return true;
  }

  bool try_pop(int& v) {
    const unsigned h = head_.load(std::memory_order_relaxed);
    if (tail_.load(std::memory_order_acquire) == h) {
      return false;
    }
    v = slots_[h % capacity];
    head_.store(h + 1, std::memory_order_release);
    return true;
  }

 private:
  static constexpr unsigned capacity = 2;
  bool fixed_;
  weft::atomic<unsigned> head_{0};  // next slot to read; written by the consumer
  weft::atomic<unsigned> tail_{0};  // next slot to write; written by the producer
  weft::var<int> slots_[capacity];  // [head, tail) hold items
};

void spsc(bool fixed) {
  constexpr int items = 3;
  spsc_ring ring(fixed);
  weft::thread producer([&] {
    for (int i = 1; i <= items; ++i) {
      while (!ring.try_push(i)) {
        weft::this_thread::yield();
      }
    }
  });
  int got[items] = {};
  for (int& v : got) {
    while (!ring.try_pop(v)) {
      weft::this_thread::yield();
    }
  }
  producer.join();
  // Checked after the join: a value read too early must not end the execution before
  // the producer's late write shows the race.
  for (int i = 0; i < items; ++i) {
    WEFT_ASSERT(got[i] == i + 1);
  }
}

}  // namespace

void wsq_last_element_buggy() {
  wsq(false);
}
void wsq_last_element_fixed() {
  wsq(true);
}
void treiber_aba_buggy() {
  treiber(false);
}
void treiber_aba_fixed() {
  treiber(true);
}
void spsc_publish_early_buggy() {
  spsc(false);
}
void spsc_publish_early_fixed() {
  spsc(true);
}

}  // namespace weft_bugs
