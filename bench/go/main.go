// Command chanbench runs the scenarios of crossbeam-channel's benchmark suite
// (crossbeam-channel/benchmarks/README.md) on Go channels — the Go side of
// bench/run_channels_vs_go.sh, which runs it beside bench/channel_bench.cpp.
//
//	seq          one goroutine sends M messages, then receives them (capacity N only)
//	spsc         one goroutine sends M, another receives M
//	mpsc         T goroutines send M/T each, one receives M
//	mpmc         T goroutines send M/T each, T others receive M/T each
//	select_rx    T goroutines send M/T each on their own channel; one receives M by
//	             selecting over the T channels
//	select_both  T goroutines send M/T each by selecting over T channels; T others
//	             receive M/T each by selecting over the same T channels
//
// T = 4; capacities 0, 1 and N = M. One run = start the goroutines, move M messages,
// wait for all of them (timed by the main goroutine, as crossbeam's go.go does).
// Output: one line per run, "go <scenario>/<cap0|cap1|capN> <rep> <ns per message>".
//
// Usage: go run main.go [-messages M] [-reps R] [-filter substring]
// Needs only the standard library (Go 1.19).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

const threads = 4

type message = uintptr

func seq(capacity, m int) {
	c := make(chan message, capacity)
	for i := 0; i < m; i++ {
		c <- message(i)
	}
	for i := 0; i < m; i++ {
		<-c
	}
}

func spsc(capacity, m int) {
	c := make(chan message, capacity)
	done := make(chan bool)
	go func() {
		for i := 0; i < m; i++ {
			c <- message(i)
		}
		done <- true
	}()
	for i := 0; i < m; i++ {
		<-c
	}
	<-done
}

func mpsc(capacity, m int) {
	c := make(chan message, capacity)
	done := make(chan bool)
	for t := 0; t < threads; t++ {
		go func() {
			for i := 0; i < m/threads; i++ {
				c <- message(i)
			}
			done <- true
		}()
	}
	for i := 0; i < m/threads*threads; i++ {
		<-c
	}
	for t := 0; t < threads; t++ {
		<-done
	}
}

func mpmc(capacity, m int) {
	c := make(chan message, capacity)
	done := make(chan bool)
	for t := 0; t < threads; t++ {
		go func() {
			for i := 0; i < m/threads; i++ {
				c <- message(i)
			}
			done <- true
		}()
		go func() {
			for i := 0; i < m/threads; i++ {
				<-c
			}
			done <- true
		}()
	}
	for t := 0; t < 2*threads; t++ {
		<-done
	}
}

func selectRx(capacity, m int) {
	c0 := make(chan message, capacity)
	c1 := make(chan message, capacity)
	c2 := make(chan message, capacity)
	c3 := make(chan message, capacity)
	done := make(chan bool)
	for _, c := range []chan message{c0, c1, c2, c3} {
		go func(c chan message) {
			for i := 0; i < m/threads; i++ {
				c <- message(i)
			}
			done <- true
		}(c)
	}
	for i := 0; i < m/threads*threads; i++ {
		select {
		case <-c0:
		case <-c1:
		case <-c2:
		case <-c3:
		}
	}
	for t := 0; t < threads; t++ {
		<-done
	}
}

func selectBoth(capacity, m int) {
	c0 := make(chan message, capacity)
	c1 := make(chan message, capacity)
	c2 := make(chan message, capacity)
	c3 := make(chan message, capacity)
	done := make(chan bool)
	for t := 0; t < threads; t++ {
		go func() {
			for i := 0; i < m/threads; i++ {
				select {
				case c0 <- message(i):
				case c1 <- message(i):
				case c2 <- message(i):
				case c3 <- message(i):
				}
			}
			done <- true
		}()
		go func() {
			for i := 0; i < m/threads; i++ {
				select {
				case <-c0:
				case <-c1:
				case <-c2:
				case <-c3:
				}
			}
			done <- true
		}()
	}
	for t := 0; t < 2*threads; t++ {
		<-done
	}
}

func main() {
	messages := flag.Int("messages", 1000000, "messages per run (M)")
	reps := flag.Int("reps", 3, "runs of each scenario")
	filter := flag.String("filter", "", "run only scenarios whose name contains this")
	flag.Parse()
	m := *messages
	if m < threads {
		m = threads
	}

	type scenario struct {
		name           string
		run            func(capacity, m int)
		needFullBuffer bool
	}
	scenarios := []scenario{
		{"seq", seq, true}, {"spsc", spsc, false}, {"mpsc", mpsc, false},
		{"mpmc", mpmc, false}, {"select_rx", selectRx, false}, {"select_both", selectBoth, false},
	}
	capacities := []struct {
		label string
		value int
	}{{"cap0", 0}, {"cap1", 1}, {"capN", m}}

	fmt.Fprintf(os.Stderr, "go: %s, GOMAXPROCS=%d, M=%d, T=%d\n",
		runtime.Version(), runtime.GOMAXPROCS(0), m, threads)
	for _, c := range capacities {
		for _, s := range scenarios {
			if s.needFullBuffer && c.value < m {
				continue
			}
			name := s.name + "/" + c.label
			if !strings.Contains(name, *filter) {
				continue
			}
			for r := 0; r < *reps; r++ {
				runtime.GC() // start each run without garbage from the previous one
				start := time.Now()
				s.run(c.value, m)
				elapsed := time.Since(start)
				fmt.Printf("go %s %d %.2f\n", name, r, float64(elapsed.Nanoseconds())/float64(m))
			}
		}
	}
}
