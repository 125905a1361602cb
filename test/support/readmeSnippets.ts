/**
 * Type-checks the ```ts blocks of a Markdown text (the README) against the library's source, with the
 * options of tsconfig.json. Each block becomes a virtual file: a prelude importing the public namespaces
 * the block does not import itself, `declare const` stubs for the free names a fragment assumes, and the
 * block, wrapped in `Effect.gen` when it uses `yield*` at top level. All blocks share one Program.
 *
 * @internal
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import ts from "typescript"

/** One ```ts block: its number in the text (from 1), the line of its first code line, its code. */
export interface Block {
  readonly index: number
  readonly line: number
  readonly code: string
}

/** A Markdown text to check, and the name its errors are reported under. */
export interface Document {
  readonly name: string
  readonly text: string
}

/** A compiler error, placed in a Markdown text. `line` is undefined for one outside the block's code. */
export interface SnippetDiagnostic {
  readonly document: string | undefined
  readonly block: number | undefined
  readonly line: number | undefined
  readonly code: number
  readonly message: string
}

/** An import the prelude may add: `names` from `from`, or the module as namespace `namespace`. */
export interface PreludeImport {
  readonly from: string
  readonly names: ReadonlyArray<string>
  readonly namespace?: string
}

/** A free name a fragment may assume, and its type, declared with `declare const`. */
export interface Stub {
  readonly name: string
  readonly type: string
}

/** What the checker needs: the repository root, the compiler options and a cache of parsed real files. */
export interface Checker {
  readonly root: string
  readonly options: ts.CompilerOptions
  readonly imports: ReadonlyArray<PreludeImport>
  readonly stubs: ReadonlyArray<Stub>
  readonly cache: Map<string, ts.SourceFile>
}

/** The namespaces of other packages the README uses without importing them. */
const otherPackages: ReadonlyArray<PreludeImport> = [
  {
    from: "effect",
    names: ["Duration", "Effect", "Either", "Fiber", "Layer", "Option", "Redacted", "Schedule", "Schema", "Stream"]
  },
  { from: "@effect/platform", names: ["FetchHttpClient", "HttpClient"] },
  { from: "@effect/platform-node", names: ["NodeRuntime"] }
]

/** The free names of the README's fragments. Each stands for what the prose around it describes. */
export const readmeStubs: ReadonlyArray<Stub> = [
  { name: "client", type: "DataForSeoClient.Service" },
  { name: "taskId", type: "string" },
  { name: "program", type: "Effect.Effect<void, DataForSeoError.DataForSeoError>" },
  {
    name: "myProgram",
    type: "(keywords: ReadonlyArray<string>) => Effect.Effect<void, TaskBatcher.SubmitError, TaskBatcher.TaskBatcher>"
  }
]

/** Every ```ts block of `markdown`, in order. */
export const extractBlocks = (markdown: string): ReadonlyArray<Block> => {
  const lines = markdown.split("\n")
  const blocks: Array<Block> = []
  let start: number | undefined
  lines.forEach((text, i) => {
    if (start === undefined && /^```ts\s*$/.test(text)) start = i + 1
    else if (start !== undefined && /^```\s*$/.test(text)) {
      blocks.push({ index: blocks.length + 1, line: start + 1, code: lines.slice(start, i).join("\n") })
      start = undefined
    }
  })
  return blocks
}

/** The source file a specifier of this package stands for: `effect-dataforseo/X` is src/X.ts or src/X/index.ts. */
export const sourceOf = (root: string, specifier: string): string | undefined => {
  const sub = specifier.slice("effect-dataforseo".length).replace(/^\//, "")
  const candidates = sub === ""
    ? [Path.join(root, "src/index.ts")]
    : [Path.join(root, "src", `${sub}.ts`), Path.join(root, "src", sub, "index.ts")]
  return candidates.find((file) => Fs.existsSync(file))
}

/** The prelude imports of this package's entry points (package.json `exports`), skipping any not written yet. */
export const packageImports = (root: string): ReadonlyArray<PreludeImport> => {
  const manifest: { readonly exports?: Record<string, unknown> } = JSON.parse(
    Fs.readFileSync(Path.join(root, "package.json"), "utf8")
  )
  const keys = Object.keys(manifest.exports ?? {}).filter((key) => !key.includes("*") && !key.endsWith(".json"))
  return keys.flatMap((key) => {
    const from = key === "." ? "effect-dataforseo" : `effect-dataforseo/${key.slice(2)}`
    const file = sourceOf(root, from)
    if (file === undefined) return []
    const names = [...Fs.readFileSync(file, "utf8").matchAll(/^export \* as (\w+) from/gm)].map((m) => m[1] ?? "")
    return names.length > 0 ? [{ from, names }] : [{ from, names: [], namespace: Path.basename(key) }]
  })
}

/** tsconfig.json's options, with this package's specifiers mapped to its source and unused names allowed. */
export const compilerOptions = (root: string): ts.CompilerOptions => {
  const configFile = Path.join(root, "tsconfig.json")
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
    }
  })
  return {
    ...parsed?.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // A snippet shows a value without always using it, and the prelude imports more than each block needs.
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: {
      "effect-dataforseo": [Path.join(root, "src/index.ts")],
      "effect-dataforseo/*": [Path.join(root, "src/*.ts"), Path.join(root, "src/*/index.ts")]
    }
  }
}

/** A checker for the repository at `root`, with the README's stubs unless others are given. */
export const makeChecker = (root: string, stubs: ReadonlyArray<Stub> = readmeStubs): Checker => {
  const absolute = Path.resolve(root)
  return {
    root: absolute,
    options: compilerOptions(absolute),
    imports: [...packageImports(absolute), ...otherPackages],
    stubs,
    cache: new Map()
  }
}

/** What the prelude and the wrapper need to know of a block. */
interface Shape {
  /** The names the block declares or imports at its top level. */
  readonly declared: ReadonlySet<string>
  /** Whether it uses `yield*` outside a generator. */
  readonly usesYield: boolean
  /** The lines (from 0) of its import declarations. */
  readonly importLines: ReadonlySet<number>
}

const shapeOf = (code: string): Shape => {
  const source = ts.createSourceFile("block.ts", code, ts.ScriptTarget.ES2022, true)
  const declared = new Set<string>()
  const importLines = new Set<number>()
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) declared.add(name.text)
    else name.elements.forEach((element) => ts.isBindingElement(element) && addBinding(element.name))
  }
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) statement.declarationList.declarations.forEach((d) => addBinding(d.name))
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      declared.add(statement.name.text)
    } else if (ts.isImportDeclaration(statement)) {
      importedNames(statement).forEach((name) => declared.add(name))
      linesOf(source, statement).forEach((line) => importLines.add(line))
    }
  }
  return { declared, usesYield: hasLooseYield(source), importLines }
}

const importedNames = (statement: ts.ImportDeclaration): ReadonlyArray<string> => {
  const clause = statement.importClause
  if (clause === undefined) return []
  const bindings = clause.namedBindings
  const named = bindings === undefined
    ? []
    : ts.isNamespaceImport(bindings)
    ? [bindings.name.text]
    : bindings.elements.map((element) => element.name.text)
  return clause.name ? [clause.name.text, ...named] : named
}

const linesOf = (source: ts.SourceFile, node: ts.Node): ReadonlyArray<number> => {
  const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line
  const last = source.getLineAndCharacterOfPosition(node.getEnd()).line
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}

/** Outside a generator the parser reads `yield` as a plain identifier: that is a top-level `yield*`. */
const hasLooseYield = (node: ts.Node): boolean =>
  (ts.isIdentifier(node) && node.text === "yield") || (ts.forEachChild(node, hasLooseYield) ?? false)

/** A line of a virtual file and the Markdown line it comes from (undefined for the prelude and the wrapper). */
interface Line {
  readonly text: string
  readonly origin: number | undefined
}

/** A block, the document it is in, and its virtual file. */
interface VirtualFile {
  readonly document: string
  readonly block: Block
  readonly lines: ReadonlyArray<Line>
}

/** The virtual file of one block, line by line. */
export const virtualLines = (checker: Checker, block: Block): ReadonlyArray<Line> => {
  const shape = shapeOf(block.code)
  const declared = shape.declared
  const prelude = checker.imports.flatMap((entry): ReadonlyArray<Line> => {
    if (entry.namespace !== undefined) {
      return declared.has(entry.namespace)
        ? []
        : [{ text: `import * as ${entry.namespace} from "${entry.from}"`, origin: undefined }]
    }
    const names = entry.names.filter((name) => !declared.has(name))
    return names.length === 0
      ? []
      : [{ text: `import { ${names.join(", ")} } from "${entry.from}"`, origin: undefined }]
  })
  const stubs = checker.stubs
    .filter((stub) => !declared.has(stub.name))
    .map((stub) => ({ text: `declare const ${stub.name}: ${stub.type}`, origin: undefined }))
  const code = block.code.split("\n").map((text, i) => ({ text, origin: block.line + i }))
  const body = shape.usesYield ? wrapInGen(code, shape.importLines) : code
  return [{ text: "export {}", origin: undefined }, ...prelude, ...stubs, ...body]
}

/** Puts a fragment's statements in `Effect.gen(function* () { ... })`, its imports left outside. */
const wrapInGen = (code: ReadonlyArray<Line>, importLines: ReadonlySet<number>): ReadonlyArray<Line> => {
  const isImport = (_: Line, i: number) => importLines.has(i)
  return [
    ...code.filter(isImport),
    { text: "Effect.gen(function* () {", origin: undefined },
    ...code.filter((line, i) => !isImport(line, i)),
    { text: "})", origin: undefined }
  ]
}

/** Type-checks every ```ts block of the documents in one Program; the errors, placed in their text. */
export const checkDocuments = (
  checker: Checker,
  documents: ReadonlyArray<Document>
): ReadonlyArray<SnippetDiagnostic> => {
  const files = new Map(documents.flatMap((document, n) => virtualFiles(checker, document, n)))
  const host = makeHost(checker, new Map([...files].map(([name, file]) => [name, joinLines(file.lines)])))
  const program = ts.createProgram({ rootNames: [...files.keys()], options: checker.options, host })
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) =>
    placed(d, undefined, undefined)
  )
  const local = [...files].flatMap(([fileName, file]) => {
    const source = program.getSourceFile(fileName)
    if (source === undefined) return [placed(undefined, file, undefined)]
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
    return diagnostics.map((d) => placed(d, file, originOf(d, file.lines)))
  })
  return [...global, ...local]
}

/** The virtual files of one document's blocks, by file name. */
const virtualFiles = (
  checker: Checker,
  document: Document,
  n: number
): ReadonlyArray<[string, VirtualFile]> =>
  extractBlocks(document.text).map((block) => [
    Path.join(checker.root, "readme-snippets", `document${n + 1}-block${block.index}.ts`),
    { document: document.name, block, lines: virtualLines(checker, block) }
  ])

const joinLines = (lines: ReadonlyArray<Line>): string => lines.map((line) => line.text).join("\n") + "\n"

const originOf = (diagnostic: ts.Diagnostic, lines: ReadonlyArray<Line>): number | undefined => {
  if (diagnostic.file === undefined || diagnostic.start === undefined) return undefined
  return lines[diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line]?.origin
}

const placed = (
  diagnostic: ts.Diagnostic | undefined,
  file: VirtualFile | undefined,
  line: number | undefined
): SnippetDiagnostic => ({
  document: file?.document,
  block: file?.block.index,
  line,
  code: diagnostic?.code ?? 0,
  message: diagnostic === undefined
    ? "the virtual file was not loaded"
    : ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")
})

/** A host that serves the virtual files and reads the real ones, parsed once per checker. */
const makeHost = (checker: Checker, virtual: ReadonlyMap<string, string>): ts.CompilerHost => {
  const base = ts.createCompilerHost(checker.options, true)
  return {
    ...base,
    fileExists: (fileName) => virtual.has(fileName) || base.fileExists(fileName),
    readFile: (fileName) => virtual.get(fileName) ?? base.readFile(fileName),
    getSourceFile: (fileName, languageVersion, onError) => {
      const text = virtual.get(fileName)
      if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true)
      const cached = checker.cache.get(fileName)
      if (cached !== undefined) return cached
      const source = base.getSourceFile(fileName, languageVersion, onError)
      if (source !== undefined) checker.cache.set(fileName, source)
      return source
    }
  }
}

/** One line per diagnostic: `<document>:<line> (block <n>): TS<code> <message>`. */
export const formatDiagnostic = (diagnostic: SnippetDiagnostic): string => {
  const where = diagnostic.block === undefined
    ? "compiler options"
    : `${diagnostic.document}:${diagnostic.line ?? "prelude"} (block ${diagnostic.block})`
  return `${where}: TS${diagnostic.code} ${diagnostic.message}`
}
