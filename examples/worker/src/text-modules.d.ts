// wrangler bundles the migration files as text (wrangler.toml [[rules]] type = "Text").
declare module '*.sql' {
  const text: string;
  export default text;
}
