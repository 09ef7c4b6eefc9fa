// The pod's rest.Config and clients. The kubeconfig is read with clientcmd, as a Gardener control-plane component
// reads the generic token kubeconfig from its projected volume (gardener pkg/utils/gardener/shoot.go
// InjectGenericKubeconfig: the kubeconfig names `tokenFile`, which client-go re-reads, transport/token_source.go
// NewCachedFileTokenSource). Without a token or certificate in the kubeconfig, the token file next to it is used, as
// the Node load client does. On top of what clientcmd returns, three instrumentation points, none of which changes
// how client-go talks to the server: Dial (dialer.go), WrapTransport (observe.go) and RateLimiter (limiter.go).
// UserAgent stays empty, so kubernetes.NewForConfig sets client-go's default, naming this program
// (rest.DefaultKubernetesUserAgent: "<argv[0]>/<version> (<os>/<arch>) kubernetes/<commit>").

package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/transport"
	"k8s.io/client-go/util/flowcontrol"
)

// loadKubeconfig reads a kubeconfig file into a rest.Config; tokenFile is used when it names no credentials.
func loadKubeconfig(path, tokenFile string) (*rest.Config, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("kubeconfig: %v", err)
	}
	config, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %v", path, err)
	}
	hasCredentials := config.BearerToken != "" || config.BearerTokenFile != "" || len(config.CertData) > 0 || config.CertFile != ""
	if !hasCredentials && tokenFile != "" {
		if _, err := os.Stat(tokenFile); err != nil {
			return nil, fmt.Errorf("kubeconfig %s has no credentials and the token file is missing: %v", path, err)
		}
		config.BearerTokenFile = tokenFile
	}
	return config, nil
}

// kubeconfigInMount is the projected volume's kubeconfig and token (scripts/cluster/clientPod.ts). A pod of a group with
// `auth: client-certificate` finds tls.crt and tls.key there instead of the token: they replace the kubeconfig user's
// credentials, as kubectl's --client-certificate and --client-key replace the user's (clientcmd's
// ConfigOverrides.AuthInfo), so the pod authenticates with the certificate alone and sends no bearer token.
func kubeconfigInMount(mountPath string) (*rest.Config, error) {
	kubeconfig := filepath.Join(mountPath, "kubeconfig")
	certFile, keyFile := filepath.Join(mountPath, "tls.crt"), filepath.Join(mountPath, "tls.key")
	if _, err := os.Stat(certFile); err != nil {
		return loadKubeconfig(kubeconfig, filepath.Join(mountPath, "token"))
	}
	if _, err := os.Stat(keyFile); err != nil {
		return nil, fmt.Errorf("%s is mounted without its key: %v", certFile, err)
	}
	raw, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %v", kubeconfig, err)
	}
	context, ok := raw.Contexts[raw.CurrentContext]
	if !ok {
		return nil, fmt.Errorf("kubeconfig %s: current-context %q not found", kubeconfig, raw.CurrentContext)
	}
	raw.AuthInfos[context.AuthInfo] = &clientcmdapi.AuthInfo{ClientCertificate: certFile, ClientKey: keyFile}
	config, err := clientcmd.NewDefaultClientConfig(*raw, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s with %s: %v", kubeconfig, certFile, err)
	}
	return config, nil
}

// podClients is what a pod talks through: one http.Client (one transport, one connection pool) under a clientset.
type podClients struct {
	httpClient *http.Client
	clientset  *kubernetes.Clientset
	// rest is the core group's REST client; AbsPath reaches every group's paths with the same client.
	rest    rest.Interface
	dialer  *countingDialer
	limiter *podRateLimiter
	// base and spec build the http1-pool's connections at Run (pool.go); set on the pod's own clients only.
	base *rest.Config
	spec *LoadClientSpec
}

func newPodClients(base *rest.Config, spec *LoadClientSpec) (*podClients, error) {
	limiter := newPodRateLimiter(spec.QPS, spec.Burst)
	c, err := newClients(base, spec, limiter)
	if err != nil {
		return nil, err
	}
	c.base, c.spec, c.limiter = base, spec, limiter
	return c, nil
}

// newClients builds the clientset on top of base with its own dialer (hence its own transport, dialer.go) and the
// given rate limiter. The http1-pool profile's clients speak HTTP/1.1 only: rest.Config's TLSClientConfig.NextProtos
// ["http/1.1"] ("To use only http/1.1, set to ["http/1.1"]", client-go rest/config.go), with which apimachinery's
// SetTransportDefaults does not configure HTTP/2 (util/net/http.go allowsHTTP2), as DISABLE_HTTP2 would not.
func newClients(base *rest.Config, spec *LoadClientSpec, limiter flowcontrol.RateLimiter) (*podClients, error) {
	config := rest.CopyConfig(base)
	c := &podClients{dialer: newCountingDialer()}
	config.Dial = c.dialer.DialContext
	config.WrapTransport = transport.Wrappers(observe, config.WrapTransport)
	config.RateLimiter = limiter
	if spec.Profile == profileHTTP1Pool {
		config.TLSClientConfig.NextProtos = []string{"http/1.1"}
	}
	// As a controller does: kubernetes.NewForConfig fills in the default User-Agent and builds one http.Client that
	// every group client shares.
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("clientset: %v", err)
	}
	core := clientset.CoreV1().RESTClient().(*rest.RESTClient)
	c.httpClient, c.clientset, c.rest = core.Client, clientset, core
	return c, nil
}

// close drops the pod's idle connections (a deleted pod's connections close with it).
func (c *podClients) close() {
	utilnet.CloseIdleConnectionsFor(c.httpClient.Transport)
}
