// The `dosql/drizzle` subpath: Drizzle ORM on dosql (drizzle-driver.ts). Only named re-exports.
export { drizzle, migrate } from './drizzle-driver.js';
