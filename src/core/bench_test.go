package core

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
)

// countingHandler counts received bytes.
type countingHandler struct{ bytes, msgs atomic.Int64 }

func (h *countingHandler) NewSession(Session) {}
func (h *countingHandler) Receive(_ Session, msg []byte) {
	h.bytes.Add(int64(len(msg)))
	h.msgs.Add(1)
}
func (h *countingHandler) TooBig(Session, []byte, uint64) {}

// BenchmarkSessionOverTCP sends 1280-byte messages from one node to another
// over loopback TCP and reports the delivered rate.
func BenchmarkSessionOverTCP(b *testing.B) {
	tn := newTestNet(b, 0, nil)
	cfg := config.Generate()
	cfg.MulticastInterfaces = nil
	cfg.Listen = []string{"tcp://127.0.0.1:0"}
	a := tn.add("a", cfg)
	c := tn.add("c", nil)
	recv := &countingHandler{}
	a.SetSessionHandler(recv)
	c.SetSessionHandler(&countingHandler{})
	if err := c.CallPeer("tcp://"+a.ListenerAddrs()["tcp://127.0.0.1:0"].String(), ""); err != nil {
		b.Fatal(err)
	}
	var s Session
	deadline := time.Now().Add(15 * time.Second)
	for s == nil && time.Now().Before(deadline) {
		done := make(chan struct{})
		c.Dial(a.NodeID(), fullMask, func(got Session, err error) {
			s = got
			close(done)
		})
		<-done
		if s == nil {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if s == nil {
		b.Fatal("no session")
	}
	msg := make([]byte, 1280)
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		s.Send(nil, append([]byte(nil), msg...), 0)
		if i%256 == 255 {
			// Stay ahead of the receiver by a bounded amount, like a window.
			for int64(i)-recv.msgs.Load() > 4096 && time.Since(start) < time.Minute {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	for recv.msgs.Load() < int64(b.N)*9/10 && time.Since(start) < time.Minute {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(recv.bytes.Load())*8/el/1e6, "Mbit/s")
	b.ReportMetric(float64(b.N-int(recv.msgs.Load())), "lost")
}
