package ipc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestDialTCP(t *testing.T) {
	l := listen(t, "tcp", "127.0.0.1:0", nil)
	if l.Addr().(*net.TCPAddr).Port == 0 {
		t.Fatalf("Addr() = %v, want the chosen port", l.Addr())
	}
	wantServed(t, dialAndSave(context.Background(), l, nil))
}

// selfSigned returns a certificate for 127.0.0.1, signed by itself, and
// a pool holding it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ipc test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

func TestDialTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	var logs logBuffer
	l := listen(t, "tcp", "127.0.0.1:0", &ipc.ListenOptions{
		Options: ipc.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		TLS:     &tls.Config{Certificates: []tls.Certificate{cert}},
	})
	ctx := context.Background()
	wantServed(t, dialAndSave(ctx, l, &ipc.DialOptions{TLS: &tls.Config{RootCAs: pool}}))

	// A client that does not trust the certificate does not connect.
	_, err := ipc.Dial(ctx, "tcp", l.Addr().String(), &ipc.DialOptions{TLS: &tls.Config{RootCAs: x509.NewCertPool()}})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("Dial with an untrusted certificate: got %v, want x509.UnknownAuthorityError", err)
	}
	// Nor does one speaking plain RPC to the TLS port; the server logs it.
	wantRefused(t, "plain call to a TLS listener", dialAndSave(ctx, l, nil))
	for deadline := time.Now().Add(giveUp); !strings.Contains(logs.String(), "TLS handshake failed"); {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks the failed handshakes:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListenTLSNeedsCertificate(t *testing.T) {
	_, err := ipc.Listen(context.Background(), "tcp", "127.0.0.1:0", nil, &ipc.ListenOptions{TLS: &tls.Config{}})
	if err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Fatalf("Listen with a TLS config lacking a certificate: got %v, want it refused", err)
	}
}

func TestUnsupportedNetwork(t *testing.T) {
	if _, err := ipc.Listen(context.Background(), "udp", "127.0.0.1:0", nil, nil); err == nil || !strings.Contains(err.Error(), `"udp" is not supported`) {
		t.Errorf("Listen udp: got %v", err)
	}
	if _, err := ipc.Dial(context.Background(), "udp", "127.0.0.1:1", nil); err == nil || !strings.Contains(err.Error(), `"udp" is not supported`) {
		t.Errorf("Dial udp: got %v", err)
	}
}

func TestDialErrorNamesAddressOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.sock")
	_, err := ipc.Dial(context.Background(), "unix", path, nil)
	if err == nil {
		t.Fatal("Dial of a missing socket succeeded")
	}
	want := "ipc: dial unix " + path + ": connect: no such file or directory"
	if err.Error() != want {
		t.Errorf("Dial of a missing socket: got %q, want %q", err, want)
	}
	if !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Dial error %v does not wrap ENOENT", err)
	}
}
