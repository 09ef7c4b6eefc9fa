// RFC 7540 §5.3.5's default stream priority, as node:http2 fills it in when a request gives none. Both sides of the
// simulator that send many HTTP/2 requests (the client pods, the gateway's upstream pools) pass it explicitly:
// ClientHttp2Session.request() then only validates the three fields instead of adding them to its copy of the
// options, a measured share of the per-request cost (docs/performance.md#gateway).
export const DEFAULT_STREAM_PRIORITY = { weight: 16, parent: 0, exclusive: false } as const;
