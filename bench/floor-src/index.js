"use strict";
/**
 * The engine floor: a dynamic provider that does the same engine work as pulumi-acp's Task
 * provider (check, diff, create, read, update, delete over the same inputs, outputs of the same
 * shape) but makes no network call. bench/run.ts installs it as bench/node_modules/acp-bench-floor
 * so that, like pulumi-acp's, it is serialized into the state by reference.
 */
const crypto = require("node:crypto");

const FIELDS = ["title", "description", "priority", "dependencyIds"];

function outputsOf(inputs, old) {
  const now = new Date().toISOString();
  const outs = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (k !== "__provider" && v !== undefined && v !== null) outs[k] = v;
  }
  outs.status = outs.status || "backlog";
  outs.userId = "user_floor";
  outs.linkedThreadIds = [];
  outs.createdAt = (old && old.createdAt) || now;
  outs.updatedAt = now;
  outs.managedFields = FIELDS.filter((f) => inputs[f] !== undefined && inputs[f] !== null);
  return outs;
}

function same(a, b) {
  return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
}

module.exports.check = async function check(_olds, news) {
  return { inputs: news, failures: [] };
};
module.exports.diff = async function diff(_id, olds, news) {
  const changes = FIELDS.some((f) => !same(olds[f], news[f]));
  return { changes, replaces: [], deleteBeforeReplace: false };
};
module.exports.create = async function create(inputs) {
  return { id: `task_${crypto.randomBytes(8).toString("hex")}`, outs: outputsOf(inputs) };
};
module.exports.read = async function read(id, props) {
  return { id, props, inputs: props };
};
module.exports.update = async function update(_id, olds, news) {
  return { outs: outputsOf(news, olds) };
};
module.exports.delete = async function () {};
