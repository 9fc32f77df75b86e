class prange:
    def __new__(cls, *args: int) -> range: ...  # type: ignore[misc]
