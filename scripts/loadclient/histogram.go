// Latency histograms in the form the runner reads: HdrHistogram V2 compressed encoding in base64 (the runner decodes
// with hdr-histogram-js decodeFromCompressedBase64; test/loadclient/loadClient.test.ts decodes one this program
// wrote). Values are microseconds, at least 1, like the simulator's PodAccounting.

package main

import (
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// maxTrackableMicros is one hour; a longer value is recorded as one hour (no run lasts that long).
const maxTrackableMicros = int64(3_600_000_000)

type histogram struct {
	h *hdrhistogram.Histogram
}

func newHistogram(significantDigits int) *histogram {
	return &histogram{h: hdrhistogram.New(1, maxTrackableMicros, significantDigits)}
}

// record adds one value in microseconds, rounded, clamped to [1, maxTrackableMicros].
func (h *histogram) record(micros float64) {
	v := int64(math.Round(micros))
	v = max(1, min(v, maxTrackableMicros))
	// In range by construction, so RecordValue cannot fail.
	_ = h.h.RecordValue(v)
}

func (h *histogram) count() int64 {
	return h.h.TotalCount()
}

// encode is the compressed base64 form, or "" for an empty histogram (as the simulator writes it).
func (h *histogram) encode() (string, error) {
	if h.h.TotalCount() == 0 {
		return "", nil
	}
	data, err := h.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	return string(data), err
}
