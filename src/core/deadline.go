package core

import (
	"time"

	"github.com/yggmesh/ygg/src/clock"
)

// deadline is a re-armable one-shot timer owned by one actor. Arming and
// disarming only change fields, so they are cheap enough to do per packet;
// at most one clock timer is outstanding, and when it fires early (because
// the deadline moved later) it re-schedules itself instead of firing.
//
// All methods must run inside the owning actor. schedule must post back
// into that actor (e.g. func(f func()) { a.Act(nil, f) }).
type deadline struct {
	at      time.Time // zero when disarmed
	pending bool      // a clock timer is outstanding
}

func (d *deadline) armed() bool { return !d.at.IsZero() }

// arm sets the deadline to now+after unless it is already armed.
func (d *deadline) arm(c clock.Clock, after time.Duration, post func(func()), fire func()) {
	if d.armed() {
		return
	}
	d.rearm(c, after, post, fire)
}

// rearm moves the deadline to now+after, armed or not.
func (d *deadline) rearm(c clock.Clock, after time.Duration, post func(func()), fire func()) {
	d.at = c.Now().Add(after)
	if !d.pending {
		d.pending = true
		d.wait(c, after, post, fire)
	}
}

func (d *deadline) disarm() { d.at = time.Time{} }

func (d *deadline) wait(c clock.Clock, after time.Duration, post func(func()), fire func()) {
	c.AfterFunc(after, func() {
		post(func() {
			if !d.armed() {
				d.pending = false
				return
			}
			if left := d.at.Sub(c.Now()); left > 0 {
				d.wait(c, left, post, fire)
				return
			}
			d.pending = false
			d.at = time.Time{}
			fire()
		})
	})
}
