import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: [...resolveIgnoresFromGitignore(), 'protocol/**/pb/*.ts'] }),
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // fire-and-forget promises are marked with void, as in js-libp2p
      'no-void': 'off',
      // loops wait on state that async callbacks change
      'no-unmodified-loop-condition': 'off'
    }
  }
]
