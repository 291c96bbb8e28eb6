// Package buildinfo says which build of sbft runs: the version and commit the Makefile's linker flags set
// (-X github.com/sbftnet/sbft/buildinfo.version=... and .commit=...), else what the Go toolchain recorded (module
// version, VCS revision). It is a leaf: the standard library only.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set by the linker; empty in a plain `go build` or `go test`.
var (
	version string
	commit  string
)

// Info describes the running build. Field names are a contract (sbft version --json, /status).
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
}

var get = sync.OnceValue(func() Info {
	i := Info{Version: version, Commit: commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		if i.Commit == "" {
			i.Commit = vcsRevision(bi.Settings)
		}
	}
	if i.Version == "" {
		i.Version = "dev"
	}
	return i
})

// Get returns the running build's information.
func Get() Info { return get() }

func vcsRevision(settings []debug.BuildSetting) string {
	rev, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	return rev
}

// String is the one-line form: "sbft VERSION (COMMIT, GOVERSION)".
func (i Info) String() string {
	c := i.Commit
	if c == "" {
		c = "unknown commit"
	}
	return "sbft " + i.Version + " (" + c + ", " + i.GoVersion + ")"
}

// AgentVersion is the libp2p agent string peers see: "sbft/VERSION".
func AgentVersion() string { return "sbft/" + Get().Version }
