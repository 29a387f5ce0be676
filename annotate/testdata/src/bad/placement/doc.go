//ipc:interface
package placement
