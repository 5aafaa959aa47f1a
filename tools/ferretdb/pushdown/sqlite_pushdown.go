// This file is compiled into FerretDB's internal/backends/sqlite package through
// `go build -overlay` (see tools/ferretdb/build.sh); it is Switchboard's code, not FerretDB's.

package sqlite

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// scalarMarker is the `$comment` a client puts in a filter to promise that none of the filter's
// top-level fields holds an array in any document of the collection. Only then may an equality
// become a plain SQL comparison: MongoDB's {f: "x"} also matches f: ["x", "y"], which
// `_ferretdb_sjson->"f" = '"x"'` would miss. Switchboard's store adds it from its schemas.
const scalarMarker = "switchboard:scalar-fields"

// The most values one `$in` is pushed down with; SQLite allows 32,766 variables per statement.
const maxPushedValues = 10_000

// A key that can be written as FerretDB writes index expressions (`_ferretdb_sjson->"key"`),
// so SQLite matches the condition to the indexes createIndexes made.
var pushableKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// pushdownWhere returns a WHERE clause that selects a superset of the documents filter matches:
// the handler filters every returned document again, so a condition left out only costs a scan.
//
// FerretDB v1.24 pushes down only a filter that is exactly {_id: <string or ObjectId>}. This
// adds `_id: {$in: [...]}` (an _id is never an array) and, for a filter carrying scalarMarker,
// equalities and `$in` lists on other top-level fields, so a filter on an
// indexed field is answered from the index instead of decoding every document in Go.
func pushdownWhere(filter *types.Document) (string, []any) {
	if filter == nil || filter.Len() == 0 {
		return "", nil
	}

	scalar := false
	if c, err := filter.Get("$comment"); err == nil {
		s, ok := c.(string)
		scalar = ok && s == scalarMarker
	}

	var conditions []string
	var args []any

	for _, key := range filter.Keys() {
		value := must.NotFail(filter.Get(key))

		var column string
		var values []any

		switch {
		case key == "_id":
			column = metadata.IDColumn
			values = equalValues(value)
		case scalar && pushableKey.MatchString(key) && !strings.HasPrefix(key, "_ferretdb"):
			column = fmt.Sprintf("%s->%q", metadata.DefaultColumn, key)
			values = equalValues(value)
		}

		if len(values) == 0 || len(values) > maxPushedValues {
			continue
		}

		placeholders := make([]string, len(values))
		for i, v := range values {
			placeholders[i] = "?"
			args = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))
		}

		if len(values) == 1 {
			conditions = append(conditions, fmt.Sprintf("%s = ?", column))
		} else {
			conditions = append(conditions, fmt.Sprintf("%s IN (%s)", column, strings.Join(placeholders, ", ")))
		}
	}

	if len(conditions) == 0 {
		return "", nil
	}

	return " WHERE " + strings.Join(conditions, " AND "), args
}

// equalValues returns the values a field must equal one of for the condition to hold: the value
// itself, or those of an `$eq` or `$in`, when they are strings or ObjectIDs; nil otherwise.
//
// Numbers are left out: 1 and 1.0 are equal in MongoDB but not as SQLite text. A string and an
// ObjectID of the same hex digits are one text, which only selects a document more.
func equalValues(value any) []any {
	pushable := func(v any) bool {
		switch v.(type) {
		case string, types.ObjectID:
			return true
		}
		return false
	}

	if pushable(value) {
		return []any{value}
	}

	ops, ok := value.(*types.Document)
	if !ok {
		return nil
	}

	if eq, err := ops.Get("$eq"); err == nil && pushable(eq) {
		return []any{eq}
	}

	in, err := ops.Get("$in")
	if err != nil {
		return nil
	}

	list, ok := in.(*types.Array)
	if !ok || list.Len() == 0 {
		return nil
	}

	values := make([]any, 0, list.Len())
	for i := 0; i < list.Len(); i++ {
		v := must.NotFail(list.Get(i))
		if !pushable(v) {
			return nil
		}
		values = append(values, v)
	}

	return values
}
