// wrangler bundles `.wasm` imports as compiled WebAssembly modules (its CompiledWasm rule);
// the Worker entry hands them to the code that instantiates them.
declare module '*.wasm' {
  const module: object;
  export default module;
}
