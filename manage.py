#!/usr/bin/env python
from jiayi.manage import main

if __name__ == "__main__":
    main()
