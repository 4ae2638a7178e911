// npm run bench -- <kv|...> [options]: dispatches to one benchmark.
const [which, ...rest] = process.argv.slice(2);
switch (which) {
  case 'kv': {
    const { main } = await import('./kv.js');
    await main(rest);
    break;
  }
  default:
    console.error(`usage: npm run bench -- kv [--n N] [--json FILE] [--engines dosql,sqlite,leveldb,lmdb]`);
    process.exit(2);
}
