"""Import from and export to other descriptions of a messaging system (AsyncAPI, broker configurations).

`msgarch.interop.writer` writes `.msgarch` text for every importer.
"""
