package main

// The search: one worker goroutine per CPU generates key pairs as fast as it
// can and compares each ID with the shared best, which only the reporting
// loop (the caller of search) writes. A pair that looks better is offered to
// that loop over a channel. Because workers read a best that may be stale by
// the time their offer arrives, the loop compares again before it accepts, so
// it alone decides the order and the reports strictly improve.

import (
	"context"
	"sync"
	"sync/atomic"
)

// search runs workers until ctx ends or limit pairs have been reported
// (limit 0 means no limit), calling report for each new best in turn. It
// returns report's first error, and waits for its workers before returning.
func search(ctx context.Context, workers int, gen func() keyPair, limit uint, report func(keyPair) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var best atomic.Pointer[[64]byte] // nil until the first report
	offers := make(chan keyPair, workers)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() { offer(ctx, gen, &best, offers) })
	}
	defer func() {
		cancel()
		wg.Wait()
	}()

	var reported uint
	for {
		select {
		case <-ctx.Done():
			return nil
		case p := <-offers:
			if ctx.Err() != nil {
				return nil // do not print after the deadline, even if an offer was waiting
			}
			if b := best.Load(); b != nil && !p.beats(b) {
				continue
			}
			id := p.id
			best.Store(&id)
			if err := report(p); err != nil {
				return err
			}
			reported++
			if limit > 0 && reported >= limit {
				return nil
			}
		}
	}
}

// offer is one worker: generate, compare with the shared best, and offer
// what beats it, until ctx ends.
func offer(ctx context.Context, gen func() keyPair, best *atomic.Pointer[[64]byte], offers chan<- keyPair) {
	for ctx.Err() == nil {
		p := gen()
		if b := best.Load(); b != nil && !p.beats(b) {
			continue
		}
		select {
		case offers <- p:
		case <-ctx.Done():
			return
		}
	}
}
