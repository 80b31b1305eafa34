package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// staleCheckTimeout bounds the probe of an existing socket file: a socket
// that does not answer within it is treated as in use, as in v0.3.16.
const staleCheckTimeout = 2 * time.Second

// parseListen turns an AdminListen value into a network ("unix", "tcp", or
// "" for disabled) and an address for net.Listen.
//
// unix:// is matched case-insensitively and the path is the text after it,
// taken verbatim (not URL-decoded), as the reference does. tcp:// takes the
// host:port of the URL. Anything else is handed to a TCP listen verbatim,
// so "localhost:9001" and "[::1]:9001" work.
func parseListen(listen string) (network, address string, err error) {
	switch {
	case listen == "" || listen == "none":
		return "", "", nil
	case hasPrefixFold(listen, "unix://"):
		return "unix", listen[len("unix://"):], nil
	case hasPrefixFold(listen, "tcp://"):
		u, err := url.Parse(listen)
		if err != nil {
			return "", "", fmt.Errorf("Admin socket failed to listen: %v", err)
		}
		// The reference listens on every interface at a random port for a
		// bare "tcp://"; an unreachable random port is never what was meant.
		if u.Host == "" {
			return "", "", fmt.Errorf("Admin socket failed to listen: no host:port in %q", listen)
		}
		return "tcp", u.Host, nil
	default:
		return "tcp", listen, nil
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func (s *Server) listenTCP(address string) (net.Listener, error) {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("Admin socket failed to listen: %v", err)
	}
	s.log.Infof("TCP admin socket listening on %s", ln.Addr())
	return ln, nil
}

// listenUnix binds the unix socket at path, replacing a stale socket file,
// and returns the file to remove on Stop ("" for an abstract socket).
func (s *Server) listenUnix(path string) (net.Listener, string, error) {
	abstract := strings.HasPrefix(path, "@")
	if !abstract {
		if err := s.clearStale(path); err != nil {
			return nil, "", err
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, "", fmt.Errorf("Admin socket failed to listen: %v", err)
	}
	sockFile := ""
	if !abstract {
		// Stop removes the file itself, after the connections are closed.
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		sockFile = path
		// The socket exists with umask permissions until this chmod; umask is
		// process-wide, so narrowing it here would race with other goroutines.
		if err := os.Chmod(path, 0o660); err != nil {
			s.log.Warnf("WARNING: unix:// may have unsafe permissions!")
		}
	}
	s.log.Infof("UNIX admin socket listening on %s", path)
	return ln, sockFile, nil
}

// clearStale removes a leftover socket file at path whose server is gone,
// and refuses to start if one is still answering there.
//
// Unlike the reference, which deletes whatever file is at the path once a
// connect fails, only a socket is ever removed, and only after the connect
// was refused: a mistyped AdminListen must not delete a regular file.
func (s *Server) clearStale(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		// Absent (the normal case), or unreadable: Listen reports the latter.
		return nil
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("Admin socket %s already exists and is not a socket", path)
	}
	s.log.Debugf("Admin socket %s already exists, trying to clean up", path)
	c, err := net.DialTimeout("unix", path, staleCheckTimeout)
	if err == nil {
		c.Close()
		return fmt.Errorf("Admin socket %s already exists and is in use by another process", path)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("Admin socket %s already exists and is in use by another process", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("Admin socket %s already exists and could not be checked: %v", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("Admin socket %s already exists and could not be removed: %v", path, err)
	}
	s.log.Debugf("Admin socket %s was cleaned up", path)
	return nil
}
