// Stands in for dynalite in the Lambda bundles (infra/lib/bundle.ts): the embedded store serves `npm start`
// without TABLE_NAME; on Lambda the table is always the stack's, so dynalite and LevelDB stay out.
export default function dynalite(): never {
  throw new Error('TABLE_NAME must be set on Lambda: the embedded store is not bundled');
}
