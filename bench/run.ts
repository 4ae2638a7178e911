// npm run bench -- <kv|...> [options]: dispatches to one benchmark.
const [which, ...rest] = process.argv.slice(2);
switch (which) {
  case 'kv': {
    const { main } = await import('./kv.js');
    await main(rest);
    break;
  }
  case 'compaction': {
    const { main } = await import('./compaction.js');
    await main(rest);
    break;
  }
  case 'sql': {
    const { main } = await import('./sql.js');
    await main(rest);
    break;
  }
  case 'timetravel': {
    const { main } = await import('./timetravel.js');
    await main(rest);
    break;
  }
  case 'flights': {
    const { main } = await import('./flights.js');
    await main(rest);
    break;
  }
  case 'report': {
    const { main } = await import('./report.js');
    await main();
    break;
  }
  default:
    console.error(`usage: npm run bench -- kv [--n N] [--json FILE] [--engines dosql,sqlite,leveldb,lmdb]
       npm run bench -- compaction [--n N] [--json FILE]
       npm run bench -- sql [--n ROWS] [--ops N] [--json FILE]
       npm run bench -- timetravel [--n ROWS] [--lookups N] [--reps N] [--json FILE]`);
    process.exit(2);
}
