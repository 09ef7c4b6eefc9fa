package main

// A pod of a group with `auth: client-certificate` (scripts/cluster/clientPod.ts) finds tls.crt and tls.key in its
// projected volume next to the generic kubeconfig, whose tokenFile names a token it does not have: it must present the
// certificate and send no bearer token.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func writeClientCertificate(t *testing.T, dir, commonName string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: commonName},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDer, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{"tls.crt": {Type: "CERTIFICATE", Bytes: der}, "tls.key": {Type: "EC PRIVATE KEY", Bytes: keyDer}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClientCertificateReplacesTheTokenFile(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := "<no certificate>"
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			user = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s authorization=%q", user, r.Header.Get("Authorization")))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"test"}}`)
	}))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %s, certificate-authority-data: %s}
users:
- name: test
  user: {tokenFile: %s}
contexts:
- name: test
  context: {cluster: test, user: test}
current-context: test
`, srv.URL, base64.StdEncoding.EncodeToString(ca), filepath.Join(dir, "token"))
	if err := os.WriteFile(filepath.Join(dir, "kubeconfig"), []byte(kubeconfig), 0o644); err != nil {
		t.Fatal(err)
	}
	writeClientCertificate(t, dir, "client:cert-controller")

	config, err := kubeconfigInMount(dir)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := newPodClients(config, testSpec())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(clients.close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := clients.clientset.CoreV1().ConfigMaps("test").Get(ctx, "a", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(seen, "; "); got != `client:cert-controller authorization=""` {
		t.Fatalf("the server saw %s, want the certificate's user and no Authorization header", got)
	}
}

func TestClientCertificateWithoutItsKeyIsRefused(t *testing.T) {
	f := newFakeAPIServer(t, 100, nil)
	dir := t.TempDir()
	content, err := os.ReadFile(f.kubeconfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kubeconfig"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	writeClientCertificate(t, dir, "client:x")
	if err := os.Remove(filepath.Join(dir, "tls.key")); err != nil {
		t.Fatal(err)
	}
	_, err = kubeconfigInMount(dir)
	if err == nil || !strings.Contains(err.Error(), "tls.crt is mounted without its key") {
		t.Fatalf("err = %v, want the missing key named", err)
	}
}
