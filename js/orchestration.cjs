// clodo/orchestration mirrors @tamyla/clodo-framework's subpath; nothing of it is built yet.
module.exports = {}
