package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// keepServing runs a keepalive client making requests until stop is
// closed, and reports how many were answered, or the first failure.
func keepServing(t *testing.T, s *Server, stop chan struct{}) (done chan int, fail chan error) {
	c := newClient(t, s)
	done, fail = make(chan int, 1), make(chan error, 1)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			if _, err := io.WriteString(c, `{"request":"getSelf","keepalive":true}`); err != nil {
				fail <- err
				return
			}
			got, err := c.read()
			if err != nil || !strings.Contains(got, `"status": "success"`) {
				fail <- fmt.Errorf("%v %q", err, got)
				return
			}
			n++
		}
	}()
	return done, fail
}

// TestOversizedRequests: huge inputs get the generic error or a close,
// while another client keeps being served throughout.
func TestOversizedRequests(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	startUnix(t, s)
	stop := make(chan struct{})
	done, fail := keepServing(t, s, stop)

	// Each input is prefix + unit repeated to 10 MB + suffix, streamed so
	// the test does not hold 60 MB of strings.
	const size = 10 << 20
	// answered: the size bound is what stops it, so the generic error is
	// sent (a unix socket delivers it even though the client is still
	// writing); otherwise the decoder rejects it first and just closes.
	inputs := []struct {
		name, prefix, unit, suffix string
		answered                   bool
	}{
		{"long string", `{"request":"getSelf","x":"`, "a", `"}` + "\n", true},
		{"long name", `{"request":"`, "b", `"}`, true},
		{"whitespace", "", " ", `{"request":"getSelf"}`, true},
		{"many keys", "{", `"k":1,`, `"request":"getSelf"}`, true},
		{"no terminator", "", "1", "", true},
		{"deep nesting", `{"request":"getSelf","x":`, "[", "", false},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			c := newClient(t, s)
			wrote := make(chan error, 1)
			go func() {
				body := io.LimitReader(&repeatReader{unit: in.unit}, size)
				_, err := io.Copy(c, io.MultiReader(strings.NewReader(in.prefix), body, strings.NewReader(in.suffix)))
				wrote <- err
			}()
			got, err := c.read()
			if in.answered {
				if err != nil || norm(got) != generic {
					t.Fatalf("got %q, %v", got, err)
				}
				c.expectClosed(t)
			} else if got != "" || (err != io.EOF && !isReset(err)) {
				t.Fatalf("got %q, %v", got, err)
			}
			select {
			case <-wrote: // the writer was cut off or finished; either way it is free
			case <-time.After(10 * time.Second):
				t.Fatal("writer still blocked after the server closed")
			}
		})
	}

	// A request just under the bound is still served.
	c := newClient(t, s)
	c.send(t, `{"request":"getSelf","x":"`+strings.Repeat("a", maxRequestBytes-64)+`"}`)
	if got := c.mustRead(t); !strings.Contains(got, `"status": "success"`) {
		t.Fatalf("near-limit request: %.200s", got)
	}

	close(stop)
	select {
	case n := <-done:
		if n == 0 {
			t.Fatal("other client was never served")
		}
		t.Logf("other client served %d requests meanwhile", n)
	case err := <-fail:
		t.Fatalf("other client failed: %v", err)
	}
}

// repeatReader yields unit over and over.
type repeatReader struct {
	unit string
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.unit[r.off:])
		n += k
		r.off = (r.off + k) % len(r.unit)
	}
	return n, nil
}

// TestConcurrentClients: 100 clients x 50 requests, half on one keepalive
// connection each and half on a fresh connection per request; then no
// goroutine or file descriptor is left behind.
func TestConcurrentClients(t *testing.T) {
	baseG := runtime.NumGoroutine()
	baseFD := fdCount(t)

	s, _ := newServer(t)
	addFakeHandlers(t, s)
	startUnix(t, s)

	const clients, requests = 100, 50
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- runClient(t, s, i, requests)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	stopWithin(t, s, 10*time.Second)

	if !eventually(5*time.Second, func() bool { return runtime.NumGoroutine() <= baseG }) {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d after, %d before\n%s", runtime.NumGoroutine(), baseG, buf[:runtime.Stack(buf, true)])
	}
	if !eventually(5*time.Second, func() bool { return fdCount(t) <= baseFD }) {
		t.Fatalf("fds: %d after, %d before", fdCount(t), baseFD)
	}
}

// runClient makes n requests, each tagged so a mixed-up answer is caught.
func runClient(t *testing.T, s *Server, id, n int) error {
	keep := id%2 == 0
	var c *client
	for j := 0; j < n; j++ {
		if c == nil {
			c = newClient(t, s)
		}
		req := fmt.Sprintf(`{"request":"getSelf","id":%d,"seq":%d,"keepalive":%v}`, id, j, keep)
		if _, err := io.WriteString(c, req); err != nil {
			return err
		}
		got, err := c.read()
		if err != nil {
			return fmt.Errorf("client %d request %d: %v", id, j, err)
		}
		var env struct {
			Status  string
			Request struct{ ID, Seq int }
		}
		if err := json.Unmarshal([]byte(got), &env); err != nil {
			return err
		}
		if env.Status != "success" || env.Request.ID != id || env.Request.Seq != j {
			return fmt.Errorf("client %d request %d: %s", id, j, got)
		}
		if !keep {
			c.Close()
			c = nil
		}
	}
	if c != nil {
		c.Close()
	}
	return nil
}

// TestIdleTimeout: a silent or trickling client is cut off.
func TestIdleTimeout(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	s.firstRequestTimeout = 200 * time.Millisecond
	s.idleTimeout = 200 * time.Millisecond
	startUnix(t, s)

	c := newClient(t, s)
	start := time.Now()
	c.expectClosed(t)

	// Keepalive: served, then cut off once idle.
	c = newClient(t, s)
	c.send(t, `{"request":"getSelf","keepalive":true}`)
	c.mustRead(t)
	c.expectClosed(t)

	// A request trickled more slowly than the timeout allows.
	c = newClient(t, s)
	go func() {
		for _, b := range []byte(`{"request":"getSelf"}`) {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	c.expectClosed(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestStopClosesAndWaits: Stop closes idle keepalive connections and
// waits for a handler that is still running.
func TestStopClosesAndWaits(t *testing.T) {
	s, _ := newServer(t)
	addFakeHandlers(t, s)
	entered, release := make(chan struct{}), make(chan struct{})
	if err := s.AddHandler("slow", nil, func(Info) (Info, error) {
		close(entered)
		<-release
		return Info{}, nil
	}); err != nil {
		t.Fatal(err)
	}
	startUnix(t, s)

	idle := newClient(t, s)
	idle.send(t, `{"request":"getSelf","keepalive":true}`)
	idle.mustRead(t)
	busy := newClient(t, s)
	busy.send(t, `{"request":"slow"}`)
	<-entered

	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()
	idle.expectClosed(t)
	select {
	case <-stopped:
		t.Fatal("Stop returned while a handler was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return")
	}
	// The busy client's connection was closed under it: no answer.
	if got, err := busy.read(); err == nil {
		t.Fatalf("busy client got %q", got)
	}
}
