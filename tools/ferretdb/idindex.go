package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB v1.24's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but
// looks documents up by `_ferretdb_sjson->'$._id'`. SQLite matches expression
// indexes by their text, so every lookup by _id scans the whole table, and the
// hub's per-message lookups slow down as a collection grows.
//
// indexIDPaths adds an index on the expression the lookups use, to every
// collection table, in every database file of dir; it runs until ctx ends,
// because FerretDB creates databases and collections lazily. The extra index
// lives only in SQLite: FerretDB's metadata, and so listIndexes, never see it.
func indexIDPaths(ctx context.Context, dir string, logger *slog.Logger) {
	type open struct {
		db   *sql.DB
		info os.FileInfo
	}
	dbs := map[string]*open{}
	defer func() {
		for _, o := range dbs {
			_ = o.db.Close()
		}
	}()

	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for file, o := range dbs {
			// Dropped (or dropped and created again): let go of the old file.
			if info, err := os.Stat(file); err != nil || !os.SameFile(info, o.info) {
				_ = o.db.Close()
				delete(dbs, file)
			}
		}
		for _, file := range files {
			o := dbs[file]
			if o == nil {
				info, err := os.Stat(file)
				if err != nil {
					continue
				}
				db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
				if err != nil {
					logger.Warn("cannot open database file", "file", file, "err", err)
					continue
				}
				db.SetMaxOpenConns(1)
				o = &open{db: db, info: info}
				dbs[file] = o
			}
			if err := indexTables(ctx, o.db); err != nil {
				logger.Debug("indexing _id paths", "file", file, "err", err)
			}
		}

		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// indexTables indexes the tables that lack the index. It asks SQLite each time rather than
// remembering what it did: a collection dropped and created again gets the same table name.
func indexTables(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections c WHERE NOT EXISTS
		(SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || '__id_lookup')`)
	if err != nil {
		return err // not created yet
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()

	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"__id_lookup", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err // e.g. the table was just dropped
		}
	}
	return nil
}
