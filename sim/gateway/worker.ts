// Runs one istio ingress gateway pod in its own worker thread.
import './gatewayPod.ts';
