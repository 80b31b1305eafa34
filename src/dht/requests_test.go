package dht

import (
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/crypto"
)

// respTable has peers 990 and 1010 around us (1000, at the root), so
// nearby nodes are important.
func respTable() *Table {
	tab := fakeTable(1000)
	tab.Insert(info(990, 1), t0)
	tab.Insert(info(1010, 2), t0)
	return tab
}

func TestResponseNeedsMatchingRequest(t *testing.T) {
	responder := info(995, 3)
	res := &Response{From: responder, Dest: idN(1000), Infos: []Info{info(1005, 4)}}
	cases := []struct {
		name   string
		key    crypto.BoxPubKey
		dest   crypto.NodeID
		answer time.Duration
		accept bool
	}{
		{"matching", responder.Key, idN(1000), time.Second, true},
		{"matching at the limit", responder.Key, idN(1000), RequestTimeout, true},
		{"too late", responder.Key, idN(1000), RequestTimeout + time.Millisecond, false},
		{"other dest", responder.Key, idN(1001), time.Second, false},
		{"other key", keyN(996), idN(1000), time.Second, false},
	}
	for _, c := range cases {
		tab := respTable()
		tab.SentRequest(c.key, c.dest, t0)
		toPing := tab.HandleResponse(res, t0.Add(c.answer))
		_, inserted := tab.entries[idN(995)]
		if inserted != c.accept || (len(toPing) == 1) != c.accept {
			t.Errorf("%s: inserted %v, pings %v; want accepted %v", c.name, inserted, ns(toPing), c.accept)
		}
	}

	// Unsolicited, and answered twice: only the first answer counts.
	tab := respTable()
	if tab.HandleResponse(res, t0); tab.Len() != 2 {
		t.Fatal("unsolicited response accepted")
	}
	tab.SentRequest(responder.Key, idN(1000), t0)
	tab.HandleResponse(res, t0)
	delete(tab.entries, idN(995))
	delete(tab.entries, idN(1005))
	if toPing := tab.HandleResponse(res, t0); len(toPing) != 0 || tab.Len() != 2 {
		t.Fatal("second answer to one request accepted")
	}
}

func TestResponseInsertsOnlyImportantResponder(t *testing.T) {
	tab := respTable()
	far := info(100, 2, 5, 6, 7) // far on the ring and in the tree
	tab.SentRequest(far.Key, idN(1000), t0)
	tab.HandleResponse(&Response{From: far, Dest: idN(1000)}, t0)
	if tab.Len() != 2 {
		t.Fatal("unimportant responder inserted")
	}
	// A known responder is refreshed: pings and dirty reset, recv moves.
	e := tab.entries[idN(990)]
	e.pings, e.dirty, e.throttle = 3, true, 8*time.Second
	tab.SentRequest(keyN(990), idN(1000), t0)
	later := t0.Add(2 * time.Second)
	tab.HandleResponse(&Response{From: info(990, 1), Dest: idN(1000)}, later)
	e = tab.entries[idN(990)]
	if e.pings != 0 || e.dirty || !e.recv.Equal(later) || e.throttle != 8*time.Second {
		t.Fatalf("refresh: pings %d dirty %v recv %v throttle %v", e.pings, e.dirty, e.recv, e.throttle)
	}
}

func TestResponseListedEntries(t *testing.T) {
	tab := respTable()
	from := info(990, 1)
	tab.SentRequest(from.Key, idN(1000), t0)
	res := &Response{From: from, Dest: idN(1000), Infos: []Info{
		info(1000),          // ourselves: skipped
		info(1010, 9, 9, 9), // known, even with other coords: skipped
		info(995, 3),        // unknown, important: pinged
		info(995, 3),        // listed twice: pinged once
		info(100, 2, 5, 6),  // unknown, not important: skipped
		info(1005, 4),       // unknown, important: pinged
	}}
	toPing := tab.HandleResponse(res, t0)
	mustEqualNs(t, "pinged", toPing, []uint64{995, 1005})
	if tab.Len() != 2 {
		t.Fatal("listed entries were inserted directly")
	}
	for _, n := range []uint64{995, 1005} {
		if _, ok := tab.reqs[reqKey{keyN(n), idN(1000)}]; !ok {
			t.Fatalf("ping to %d not recorded", n)
		}
	}
}

func TestCallbacksFireFirstAndAll(t *testing.T) {
	tab := respTable()
	from := info(995, 3)
	dest := idN(5)
	var calls []string
	var tableLenInCallback int
	tab.AddCallback(from.Key, dest, t0, func(r *Response) {
		calls = append(calls, "a")
		tableLenInCallback = tab.Len()
		if r == nil || r.From.Key != from.Key {
			t.Error("callback a got the wrong response")
		}
	})
	tab.AddCallback(from.Key, dest, t0, func(*Response) { calls = append(calls, "b") })
	tab.AddCallback(from.Key, idN(6), t0, func(*Response) { calls = append(calls, "other dest") })
	tab.SentRequest(from.Key, dest, t0)

	tab.HandleResponse(&Response{From: from, Dest: dest}, t0)
	if len(calls) != 2 || calls[0] != "a" || calls[1] != "b" {
		t.Fatalf("calls = %v", calls)
	}
	if tableLenInCallback != 2 || tab.Len() != 3 {
		t.Fatalf("callback ran after the table took the response (%d, %d)", tableLenInCallback, tab.Len())
	}
	// Fired callbacks are gone; callbacks fire even without a request.
	tab.AddCallback(from.Key, dest, t0, func(*Response) { calls = append(calls, "c") })
	tab.HandleResponse(&Response{From: from, Dest: dest}, t0)
	if len(calls) != 3 || calls[2] != "c" {
		t.Fatalf("calls = %v", calls)
	}
}

func TestCallbackMayRegisterAgain(t *testing.T) {
	tab := respTable()
	from, dest := info(995, 3), idN(5)
	count := 0
	var again func(*Response)
	again = func(*Response) {
		count++
		tab.AddCallback(from.Key, dest, t0, again)
	}
	tab.AddCallback(from.Key, dest, t0, again)
	tab.HandleResponse(&Response{From: from, Dest: dest}, t0)
	if count != 1 {
		t.Fatalf("re-registered callback fired %d times in one response", count)
	}
	tab.HandleResponse(&Response{From: from, Dest: dest}, t0)
	if count != 2 {
		t.Fatal("re-registered callback did not fire on the next response")
	}
}

func TestExpiryCallsNilOnceInOrder(t *testing.T) {
	tab := respTable()
	var got []string
	tab.AddCallback(keyN(7), idN(7), t0, func(r *Response) {
		if r != nil {
			t.Error("expired callback got a response")
		}
		got = append(got, "first")
	})
	tab.AddCallback(keyN(8), idN(7), t0.Add(time.Second), func(*Response) { got = append(got, "late") })
	tab.AddCallback(keyN(6), idN(7), t0, func(*Response) { got = append(got, "second") })
	tab.SentRequest(keyN(7), idN(7), t0)

	k := reqKey{keyN(7), idN(7)}
	tab.Maintain(t0.Add(RequestTimeout))
	if _, ok := tab.reqs[k]; len(got) != 0 || !ok {
		t.Fatalf("expired at exactly %v: %v, request kept %v", RequestTimeout, got, ok)
	}
	tab.Maintain(t0.Add(RequestTimeout + 500*time.Millisecond))
	if _, ok := tab.reqs[k]; len(got) != 2 || got[0] != "first" || got[1] != "second" || ok {
		t.Fatalf("after the deadline: %v, request kept %v", got, ok)
	}
	tab.Maintain(t0.Add(RequestTimeout + 1500*time.Millisecond))
	tab.Maintain(t0.Add(time.Minute))
	if len(got) != 3 || got[2] != "late" {
		t.Fatalf("later: %v", got)
	}
}
