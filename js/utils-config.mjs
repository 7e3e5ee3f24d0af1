// clodo/utils/config: see utils-config.cjs.
export {}
