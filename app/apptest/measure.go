package apptest

import (
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Listen serves app on a free loopback port until the test ends and returns its address.
func Listen(t testing.TB, app *fiber.App) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(l)
	t.Cleanup(func() { app.Shutdown() })
	return l.Addr().String()
}

// HeapWatch is the heap in use, sampled while some work runs.
type HeapWatch struct {
	Idle uint64 // in use after a collection, before the work
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

// WatchHeap collects garbage, notes the heap in use, and samples it every 20 ms until Stop.
func WatchHeap() *HeapWatch {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	w := &HeapWatch{Idle: m.HeapInuse, stop: make(chan struct{}), done: make(chan struct{})}
	w.peak.Store(m.HeapInuse)
	go func() {
		defer close(w.done)
		var m runtime.MemStats
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > w.peak.Load() {
				w.peak.Store(m.HeapInuse)
			}
		}
	}()
	return w
}

// Stop ends the sampling and returns the peak above Idle, in MB.
func (w *HeapWatch) Stop() float64 {
	close(w.stop)
	<-w.done
	return float64(w.peak.Load()-w.Idle) / (1 << 20)
}

// IdleMB is Idle in MB.
func (w *HeapWatch) IdleMB() float64 { return float64(w.Idle) / (1 << 20) }
