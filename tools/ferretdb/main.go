// Command ferretdb runs FerretDB v1 (SQLite backend) as a MongoDB-wire server
// for tests and the local default deployment.
//
// It uses FerretDB's embeddable package rather than its own command: the
// command built by `go install` panics at start because its generated version
// file is not part of the module, and the embeddable package also keeps
// telemetry off.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -pprof, for profiling the embedded default under a benchmark
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (keep it on loopback)")
	dir := flag.String("dir", "./.data/ferretdb", "directory for the SQLite database files")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	synchronous := flag.String("synchronous", "normal", "SQLite synchronous mode: normal survives a crash of this process (WAL), full also a power cut, at a cost on every write")
	stdinParent := flag.Bool("exit-on-stdin-eof", false, "exit when standard input closes, so the server never outlives a parent that was killed")
	pprofAddr := flag.String("pprof", "", "serve Go's pprof profiles on this loopback address (for benchmarks), e.g. 127.0.0.1:6060")
	flag.Parse()

	if *pprofAddr != "" {
		go func() { _ = http.ListenAndServe(*pprofAddr, nil) }()
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(&lazyAttrs{base: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})})

	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		fail(err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   logger,
		Handler:  "sqlite",
		// mmap_size: reads of the database file come from the page cache mapped in, not a pread
		// each (about 7% of the server's CPU in the pipeline benchmark); writes still go through the
		// WAL as before. 256 MiB of address space per connection, not of memory.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + *synchronous + ")&_pragma=mmap_size(268435456)",
	})
	if err != nil {
		fail(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *stdinParent {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	go indexIDPaths(ctx, abs, logger)

	// The parent process waits for this line (or polls the port) before connecting.
	fmt.Printf("ferretdb listening on %s, data in %s\n", *listen, abs)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
	os.Exit(1)
}
