// Placeholder replaced by the engine harness: ensures the Pulumi CLI before any suite runs.
module.exports = async () => {};
