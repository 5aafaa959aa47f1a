import type { Query, Schema } from 'mongoose';

/**
 * The `$comment` that tells the embedded FerretDB it may answer a filter from an index (see
 * tools/ferretdb/pushdown/sqlite_pushdown.go, which holds the same string).
 *
 * FerretDB v1 checks every other filter in Go against every document of the collection. Its
 * SQLite backend could compare a field through an index, but MongoDB's `{f: "x"}` also matches
 * `f: ["x", "y"]`, which such a comparison would miss; so it does so only for a filter whose
 * fields the client promises are never arrays. MongoDB ignores the comment (its profiler shows it).
 */
export const scalarFieldsComment = 'switchboard:scalar-fields';

/** Every query that takes a filter; `bulkWrite` and aggregations go without (and scan on FerretDB). */
const filterQueries =
  /^(countDocuments|deleteMany|deleteOne|distinct|find|findOne|findOneAndDelete|findOneAndReplace|findOneAndUpdate|replaceOne|updateMany|updateOne)$/;

/** Schema types whose value is one value, never an array. */
const scalarTypes = new Set(['String', 'Number', 'Date', 'Boolean', 'ObjectId', 'ObjectID', 'Decimal128', 'UUID']);

/**
 * Mongoose plugin: marks a query's filter with `scalarFieldsComment` when every top-level field
 * it names is declared in the schema with a type that cannot hold an array. Every model applies it
 * (the data map's test checks), so the store's filters on indexed fields use the index on the
 * embedded default too.
 */
export function scalarFieldFilters(schema: Schema): void {
  marked.add(schema);
  const scalar = new Map<string, boolean>();
  const isScalar = (field: string): boolean => {
    let known = scalar.get(field);
    if (known === undefined) {
      known = scalarTypes.has(schema.path(field)?.instance ?? '');
      scalar.set(field, known);
    }
    return known;
  };
  schema.pre(filterQueries, function (this: Query<unknown, unknown>) {
    if (typeof this.getFilter !== 'function') return; // document middleware (a document's own deleteOne)
    const filter = this.getFilter();
    if (filter.$comment !== undefined) return;
    // Dotted paths and operators ($or, $and) are left to FerretDB's Go filter; so they need no promise.
    const fields = Object.keys(filter).filter((key) => !key.startsWith('$') && !key.includes('.'));
    if (fields.length && fields.every(isScalar)) this.setQuery({ ...filter, $comment: scalarFieldsComment });
  });
}

const marked = new WeakSet<Schema>();

/** Whether a schema applies the plugin (for the data map's test). */
export function usesScalarFieldFilters(schema: Schema): boolean {
  return marked.has(schema);
}
