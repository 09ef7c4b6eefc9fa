// `loadclient --version`: "loadclient client-go v0.34.10", the client-go module the binary was built with, read from
// the binary's own build information (runtime/debug.ReadBuildInfo). `npm run binaries -- check` compares it with the
// pin (scripts/binaries/components.ts).

package main

import (
	"fmt"
	"runtime/debug"
)

func versionLine() string {
	version := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/client-go" {
				version = dep.Version
				if dep.Replace != nil {
					version = dep.Replace.Version
				}
			}
		}
	}
	return fmt.Sprintf("loadclient client-go %s", version)
}
