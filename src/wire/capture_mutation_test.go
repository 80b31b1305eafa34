package wire

import (
	"slices"
	"strings"
	"testing"
)

// TestCaptureCheckerCatchesDamage proves the capture checks can fail: each
// case damages a freshly loaded capture in one way and expects a failure
// that names what broke.
func TestCaptureCheckerCatchesDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(c *capture)
		want   string
	}{
		{"flipped traffic tag", func(c *capture) {
			f := nthFrame(c.streams[1], TypeTraffic, 0)
			f[len(f)-1] ^= 1
		}, "stream 1 (n0->n1) frame"},
		{"flipped link box", func(c *capture) {
			f := nthFrame(c.streams[0], TypeLinkProtocolTraffic, 0)
			f[40] ^= 0x80
		}, "opening link message"},
		{"flipped protocol box", func(c *capture) {
			f := nthFrame(c.streams[2], TypeProtocolTraffic, 0)
			f[len(f)-1] ^= 0x80
		}, "box authentication failed"},
		{"reordered traffic", func(c *capture) {
			s := c.streams[3]
			i, j := frameIndex(s, TypeTraffic, 0), frameIndex(s, TypeTraffic, 1)
			s.frames[i], s.frames[j] = s.frames[j], s.frames[i]
		}, "does not increase"},
		{"frame lost at n1", func(c *capture) {
			s := c.streams[3]
			s.frames = slices.Delete(s.frames, frameIndex(s, TypeTraffic, 0), frameIndex(s, TypeTraffic, 0)+1)
		}, "was seen on"},
		{"wrong address", func(c *capture) { c.nodes[2].addr[15] ^= 1 }, "addresses"},
		{"wrong final coords", func(c *capture) { c.nodes[0].coords = Coords{2} }, "coords"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := loadCapture(t)
			tc.damage(c)
			errs := checkCapture(c)
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tc.want) }) {
				t.Fatalf("no failure mentioning %q; got %q", tc.want, errs)
			}
		})
	}
}

// frameIndex finds the n-th frame of a type in a stream.
func frameIndex(s *capStream, typ byte, n int) int {
	for i, f := range s.frames {
		if len(f) > 0 && f[0] == typ {
			if n == 0 {
				return i
			}
			n--
		}
	}
	panic("capture has too few frames of that type")
}

// nthFrame returns a private copy of the n-th frame of a type, installed in
// the stream, so damage does not reach the forwarded copy on another stream.
func nthFrame(s *capStream, typ byte, n int) []byte {
	i := frameIndex(s, typ, n)
	s.frames[i] = slices.Clone(s.frames[i])
	return s.frames[i]
}
