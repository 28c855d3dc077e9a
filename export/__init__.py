"""edgeseg.export: the export layer (ONNX, TFLite, CoreML), installed from the top-level
`export/` folder under the `edgeseg.export` name.

Its targets table and `export_<target>` functions arrive with the export issue; until then the
package is empty, and `edgeseg export` is not yet a command.
"""
