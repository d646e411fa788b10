print("chamberconnect")
