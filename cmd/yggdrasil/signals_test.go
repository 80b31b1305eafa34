package main

import (
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yggmesh/ygg/src/config"
	"github.com/yggmesh/ygg/src/logging"

	"github.com/yggmesh/ygg/src/logging/logbuf"
)

// quietConfig is a node that opens nothing outside the process: no TUN, no
// admin socket, no multicast, no listeners.
func quietConfig(t *testing.T) (*config.NodeConfig, config.Keys, []byte) {
	t.Helper()
	cfg := config.Generate()
	cfg.IfName = "none"
	cfg.AdminListen = "none"
	cfg.MulticastInterfaces = nil
	cfg.Listen = nil
	keys, err := cfg.Keys()
	if err != nil {
		t.Fatal(err)
	}
	text, err := cfg.MarshalIndentJSON()
	if err != nil {
		t.Fatal(err)
	}
	return cfg, keys, text
}

// runNodeInBackground runs a node from cfg with runNode and returns its log
// and a channel that yields its exit code. While the test runs, a sink
// subscription keeps the signals the test sends to itself from ever
// reaching their default action, even after runNode has stopped listening.
func runNodeInBackground(t *testing.T, cfg *config.NodeConfig, keys config.Keys, confPath string) (*logbuf.Buffer, <-chan int) {
	t.Helper()
	sink := make(chan os.Signal, 16)
	signal.Notify(sink, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	t.Cleanup(func() { signal.Stop(sink) })
	logs := &logbuf.Buffer{}
	done := make(chan int, 1)
	go func() { done <- runNode(cfg, keys, logging.New(logs, logging.LevelInfo), confPath) }()
	waitLog(t, logs, "Startup complete")
	return logs, done
}

func waitLog(t *testing.T, logs *logbuf.Buffer, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("log never showed %q:\n%s", text, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}

func waitExit(t *testing.T, done <-chan int, logs *logbuf.Buffer) {
	t.Helper()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d, want 0; log:\n%s", code, logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the node did not stop; log:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "Stopped") {
		t.Errorf("no orderly shutdown in the log:\n%s", logs)
	}
}

// feedFIFO makes a named pipe at path and, until the test ends, answers
// every open of it for reading with text. A reload reading it blocks until
// the feeder is started, which lets a test hold a reload in progress.
func feedFIFO(t *testing.T, path string, text []byte) (start func()) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	started := false
	t.Cleanup(func() {
		if !started {
			return
		}
		close(stop)
		// Unblock the writer whenever it next waits for a reader.
		for {
			if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
				r.Close()
			}
			select {
			case <-stopped:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	return func() {
		started = true
		go func() {
			defer close(stopped)
			for {
				w, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				select {
				case <-stop:
					w.Close()
					return
				default:
				}
				w.Write(text)
				w.Close()
				// Let the reader see the end of the file before a new
				// writer could join it.
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
}

// A SIGTERM sent while a reload is in progress and another is queued must
// still stop the node. With one channel for every signal, the queued
// SIGHUP filled it and the SIGTERM was dropped, so the node ran on.
func TestTermDuringReload(t *testing.T) {
	cfg, keys, text := quietConfig(t)
	path := filepath.Join(t.TempDir(), "y.conf")
	release := feedFIFO(t, path, text)
	logs, done := runNodeInBackground(t, cfg, keys, path)

	kill(t, syscall.SIGHUP)
	waitLog(t, logs, "Reloading configuration from "+path) // now blocked reading the pipe
	kill(t, syscall.SIGHUP)
	kill(t, syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond) // let the runtime hand both on
	release()
	waitExit(t, done, logs)
}

// SIGHUP without -useconffile, or with a file that no longer parses, is
// logged and the node keeps running; SIGINT then stops it.
func TestReloadProblemsKeepRunning(t *testing.T) {
	cfg, keys, text := quietConfig(t)
	logs, done := runNodeInBackground(t, cfg, keys, "")
	kill(t, syscall.SIGHUP)
	waitLog(t, logs, "Reloading config at runtime is only possible with -useconffile")
	kill(t, syscall.SIGINT)
	waitExit(t, done, logs)

	path := filepath.Join(t.TempDir(), "y.conf")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	logs, done = runNodeInBackground(t, cfg, keys, path)
	if err := os.WriteFile(path, []byte("{IfMTU: ["), 0o600); err != nil {
		t.Fatal(err)
	}
	kill(t, syscall.SIGHUP)
	waitLog(t, logs, "Reload failed, keeping the running configuration: config: ")
	select {
	case code := <-done:
		t.Fatalf("the node exited (%d) after a bad reload", code)
	default:
	}
	kill(t, syscall.SIGTERM)
	waitExit(t, done, logs)
}
