import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/bench/**", "node_modules/**"],
    setupFiles: ["test/support/secretGuard.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
