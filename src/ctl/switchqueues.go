package ctl

import (
	"fmt"
	"io"
	"slices"
)

// printSwitchQueues formats a getSwitchQueues answer. v0.3.16 nodes do not
// offer that handler (it is disabled there), but the stock ctl formats it,
// so an older or newer node that answers it still prints readably: overall
// counters, each active queue, then totals per switch port.
func printSwitchQueues(w io.Writer, res map[string]any) {
	sq, _ := res["switchqueues"].(map[string]any)
	for _, f := range []struct{ key, format string }{
		{"queues_count", "Active queue count: %s queues\n"},
		{"queues_size", "Active queue size: %s bytes\n"},
		{"highest_queues_count", "Highest queue count: %s queues\n"},
		{"highest_queues_size", "Highest queue size: %s bytes\n"},
		{"maximum_queues_size", "Maximum queue size: %s bytes\n"},
	} {
		if v, ok := sq[f.key].(float64); ok {
			fmt.Fprintf(w, f.format, integerText(v))
		}
	}
	maxSize := 4194304.0 // the reference's default MaxTotalQueueSize
	if v, ok := sq["maximum_queues_size"].(float64); ok && v > 0 {
		maxSize = v
	}

	type portTotal struct{ queues, size, packets float64 }
	totals := make(map[float64]*portTotal)
	queues, _ := sq["queues"].([]any)
	if len(queues) > 0 {
		fmt.Fprintln(w, "Active queues:")
	}
	for _, q := range queues {
		info, _ := q.(map[string]any)
		port, _ := info["queue_port"].(float64)
		size, _ := info["queue_size"].(float64)
		packets, _ := info["queue_packets"].(float64)
		id, _ := info["queue_id"].(string)
		t := totals[port]
		if t == nil {
			t = &portTotal{}
			totals[port] = t
		}
		t.queues++
		t.size += size
		t.packets += packets
		fmt.Fprintf(w, "- Switch port %s, Stream ID: %v, size: %s bytes (%s%% full), %s packets\n",
			integerText(port), []byte(id), integerText(size),
			integerText(100*size/maxSize), integerText(packets))
	}
	if len(totals) == 0 {
		return
	}
	fmt.Fprintln(w, "Aggregated statistics by switchport:")
	ports := make([]float64, 0, len(totals))
	for p := range totals {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	for _, p := range ports {
		t := totals[p]
		fmt.Fprintf(w, "- Switch port %s, size: %s bytes (%s%% full), %s packets\n",
			integerText(p), integerText(t.size),
			integerText(100*t.size/(t.queues*maxSize)), integerText(t.packets))
	}
}
