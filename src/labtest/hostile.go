//go:build linux

package labtest

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// BuildHostilePeer builds misc/hostilepeer of the module that contains the
// working directory into dir and returns the binary's path. It is separate
// from BuildBinaries because only the hostile-peer tests need it.
func BuildHostilePeer(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hostilepeer")
	return bin, goBuild(root, bin, "./misc/hostilepeer")
}

// Attack is one run of the hostile peer: which attack, against which peer
// URIs, for how long, with which extra flags.
type Attack struct {
	Name     string
	Peers    []string
	Duration time.Duration
	Flags    []string // e.g. "-victim", "[]"
}

// AttackResult is what a run of the hostile peer reported: its final
// "total ..." line as counters, and its whole output for a failure message.
type AttackResult struct {
	Attack Attack
	Totals map[string]int64
	Output string
	Err    error // the process's error: it could reach no peer, or it was killed
}

// RunAttack runs bin (misc/hostilepeer) in ns until the attack's duration
// is over, or until ctx ends, which kills it with its process group. Lab
// Close also kills it, with everything else left in the namespace.
func RunAttack(ctx context.Context, ns *Namespace, bin string, a Attack) AttackResult {
	args := []string{"-attack", a.Name, "-duration", a.Duration.String()}
	args = append(args, a.Flags...)
	for _, p := range a.Peers {
		args = append(args, "-peer", p)
	}
	// The tool stops itself at the end of its duration; the margin only
	// covers a wedged run.
	ctx, cancel := context.WithTimeout(ctx, a.Duration+15*time.Second)
	defer cancel()
	out, err := ns.Exec(ctx, bin, args...)
	return AttackResult{Attack: a, Totals: ParseAttackTotals(out), Output: out, Err: err}
}

// ParseAttackTotals reads the counters of the hostile peer's last line,
// "total attack=tiny links=0 idle=0 connected=3 dial_errors=0 ...". Fields
// that are not numbers (the attack's name) are left out; without a total
// line the map is empty.
func ParseAttackTotals(out string) map[string]int64 {
	totals := make(map[string]int64)
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "total ")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(rest) {
			k, v, ok := strings.Cut(f, "=")
			if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil {
				totals[k] = n
			}
		}
	}
	return totals
}

// String is the attack's name and counters in one line, for a test log.
func (r AttackResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:", r.Attack.Name)
	for _, k := range []string{"connected", "dial_errors", "lost", "out_frames", "out_bytes", "in_frames", "answers"} {
		fmt.Fprintf(&b, " %s=%d", k, r.Totals[k])
	}
	if r.Err != nil {
		fmt.Fprintf(&b, " (error: %v)", r.Err)
	}
	return b.String()
}
