// ACP agent platform: tasks, their dependencies and the threads agents work in, as code.
package acp
