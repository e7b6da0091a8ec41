"""Managed: the context-manager shape of the e2e tests' real daemons
(libvirt_nodes.LibvirtNodes, tgt.Tgt): `with X() as x:` runs x._start(),
and x.close() when the block ends, also when _start or the block fails;
close() must cope with a half-done start."""


class Managed:
    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError
