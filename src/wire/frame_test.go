package wire

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"

	"github.com/yggmesh/ygg/src/crypto"
)

// Spec 01 §4.7 example metadata.
func TestMetadataSpecExample(t *testing.T) {
	a := crypto.BoxPrivKey(sha256.Sum256([]byte("spec-example-1")))
	link := crypto.BoxPrivKey(sha256.Sum256([]byte("spec-link-A")))
	sig := crypto.SigPrivKeyFromSeed(sha256.Sum256([]byte("spec-sig-A")))
	box, sigPub, linkPub := a.Public(), sig.Public(), link.Public()
	m := NewMetadata(&box, &sigPub, &linkPub)
	enc := m.Encode(nil)
	want := h("6d657461 00 02" +
		"e698d8c017d9767b48222571c58c99bb040ed268da734e0c649b36d25ee2b93b" +
		"575d5349416ed43e6b15a592acdfe0c88dabf6cc79610cfaf6fe57a89ddf702e" +
		"8812cd35ff7e43db38eeec9b66363e3896b3480b0337895ea6aac649f3c90a5d")
	if !bytes.Equal(enc, want) || len(enc) != MetadataLen {
		t.Fatalf("metadata = %x", enc)
	}
	var d Metadata
	if err := d.Decode(enc); err != nil || d != m {
		t.Fatalf("decode: %v", err)
	}
	bad := append([]byte{}, enc...)
	bad[0] = 'M'
	if err := d.Decode(bad); err != ErrBadMetaMagic {
		t.Fatalf("bad magic: %v", err)
	}
	for _, minor := range []byte{1, 3} {
		bad = append([]byte{}, enc...)
		bad[5] = minor
		if err := d.Decode(bad); err != ErrBadMetaVersion {
			t.Fatalf("minor %d: %v", minor, err)
		}
	}
	if err := d.Decode(enc[:101]); err != ErrShortMessage {
		t.Fatalf("short: %v", err)
	}
}

func TestFrames(t *testing.T) {
	if !bytes.Equal(Keepalive, h("deadb175 00")) {
		t.Fatalf("keepalive %x", Keepalive)
	}
	big := bytes.Repeat([]byte{7}, MaxFrameLen)
	var stream []byte
	stream = AppendFrame(stream, []byte("hello"))
	stream = AppendFrame(stream, nil)
	stream = AppendFrame(stream, big)
	r := NewFrameReader(bufio.NewReader(bytes.NewReader(stream)))
	for i, want := range [][]byte{[]byte("hello"), {}, big} {
		got, err := r.Next(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %v len %d", i, err, len(got))
		}
	}
	if _, err := r.Next(nil); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	msgs, rest, err := SplitFrames(stream)
	if err != nil || len(msgs) != 3 || len(rest) != 0 {
		t.Fatalf("split: %v %d", err, len(msgs))
	}
	cases := []struct {
		name   string
		stream []byte
		want   error
	}{
		{"bad magic", h("deadbeef 01 00"), ErrBadFrameMagic},
		{"oversized", AppendFrame(nil, append(big, 1)), ErrOversized},
		{"long length", h("deadb175 80 80 80 01"), ErrOversized},
		{"truncated body", h("deadb175 05 0102"), io.ErrUnexpectedEOF},
		{"truncated length", h("deadb175 81"), io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		_, err := NewFrameReader(bufio.NewReader(bytes.NewReader(c.stream))).Next(nil)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		// SplitFrames agrees, except that a cut stream is a short message.
		want := c.want
		if want == io.ErrUnexpectedEOF {
			want = ErrShortMessage
		}
		if msgs, rest, err := SplitFrames(c.stream); err != want || len(msgs) != 0 || !bytes.Equal(rest, c.stream) {
			t.Errorf("%s: SplitFrames gave %v, %d messages, want %v", c.name, err, len(msgs), want)
		}
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add(AppendFrame(AppendFrame(nil, []byte("x")), nil))
	f.Add(h("deadb175 83 ff 7f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewFrameReader(bufio.NewReader(bytes.NewReader(b)))
		var buf []byte
		for i := 0; i < 1000; i++ {
			msg, err := r.Next(buf)
			if err != nil {
				return
			}
			if len(msg) > MaxFrameLen {
				t.Fatal("oversized frame returned")
			}
			buf = msg
		}
	})
}

func FuzzMetadata(f *testing.F) {
	var m Metadata
	m.Minor = 2
	f.Add(m.Encode(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Metadata
		if m.Decode(b) != nil {
			return
		}
		// Non-minimal version bytes are accepted, so compare values, not bytes.
		var m2 Metadata
		if err := m2.Decode(m.Encode(nil)); err != nil || m2 != m {
			t.Fatalf("round trip: %v", err)
		}
	})
}
