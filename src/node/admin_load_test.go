package node

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadRequests are the requests the load test cycles through: every
// handler that answers at once without changing anything.
var loadRequests = []string{
	"getSelf", "getPeers", "getSwitchPeers", "getDHT", "getSessions", "list", "getTunTap",
	"getRoutes", "getSourceSubnets", "getTunnelRouting", "getAllowedEncryptionPublicKeys",
	"getNodeInfo", "getMulticastInterfaces",
}

// 100 clients make 50 requests each while A sends traffic to C over their
// session. Half the clients keep one connection open (keepalive), half
// connect for every request. Every request must be answered correctly, and
// afterwards the goroutines and file descriptors must be back to where
// they were.
func TestAdminConcurrentClients(t *testing.T) {
	const clients, perClient = 100, 50
	tn := sharedNet(t)
	sock := tn.a.sock

	stopTraffic := make(chan struct{})
	var traffic sync.WaitGroup
	traffic.Add(1)
	go func() {
		defer traffic.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopTraffic:
				return
			case <-tick.C:
				tn.toC.Send(nil, make([]byte, 1024), 0)
			}
		}
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			close(stopTraffic)
			traffic.Wait()
		}
	}
	defer stop()
	recvBefore := tn.c.recv.received()
	time.Sleep(100 * time.Millisecond)
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)

	var answered atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				err = keepaliveClient(sock, i, perClient, &answered)
			} else {
				err = oneShotClient(sock, i, perClient, &answered)
			}
			if err != nil {
				t.Errorf("client %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests answered in %v", answered.Load(), time.Since(start))
	if got := answered.Load(); got != clients*perClient {
		t.Errorf("%d of %d requests answered", got, clients*perClient)
	}
	if got := tn.c.recv.received(); got <= recvBefore {
		t.Errorf("no traffic reached C during the test")
	}
	stop()

	err := poll(10*time.Second, "goroutines and file descriptors to return to the baseline", func() bool {
		return runtime.NumGoroutine() <= goroutines && openFDs(t) <= fds
	})
	if err != nil {
		t.Errorf("%v: goroutines %d (baseline %d), fds %d (baseline %d)",
			err, runtime.NumGoroutine(), goroutines, openFDs(t), fds)
	}
}

// keepaliveClient makes n requests on one connection.
func keepaliveClient(sock string, id, n int, answered *atomic.Int64) error {
	c, err := net.Dial("unix", sock)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	dec := json.NewDecoder(bufio.NewReader(c))
	for j := range n {
		name := loadRequests[(id+j)%len(loadRequests)]
		if _, err := fmt.Fprintf(c, `{"request":%q,"keepalive":true}`, name); err != nil {
			return err
		}
		var env map[string]any
		if err := dec.Decode(&env); err != nil {
			return fmt.Errorf("request %d (%s): %w", j, name, err)
		}
		if err := checkLoadAnswer(env, name); err != nil {
			return err
		}
		answered.Add(1)
	}
	return nil
}

// oneShotClient makes n requests, each on a new connection.
func oneShotClient(sock string, id, n int, answered *atomic.Int64) error {
	for j := range n {
		name := loadRequests[(id+j)%len(loadRequests)]
		c, err := net.Dial("unix", sock)
		if err != nil {
			return err
		}
		c.SetDeadline(time.Now().Add(60 * time.Second))
		_, err = fmt.Fprintf(c, `{"request":%q}`, name)
		var out []byte
		if err == nil {
			out, err = io.ReadAll(c)
		}
		c.Close()
		if err != nil {
			return fmt.Errorf("request %d (%s): %w", j, name, err)
		}
		var env map[string]any
		if err := json.Unmarshal(out, &env); err != nil {
			return fmt.Errorf("request %d (%s): %w: %q", j, name, err, out)
		}
		if err := checkLoadAnswer(env, name); err != nil {
			return err
		}
		answered.Add(1)
	}
	return nil
}

func checkLoadAnswer(env map[string]any, name string) error {
	r, _ := env["request"].(map[string]any)
	if _, ok := env["response"].(map[string]any); env["status"] != "success" || r == nil || r["request"] != name || !ok {
		return fmt.Errorf("%s: answer %v", name, env)
	}
	return nil
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}
