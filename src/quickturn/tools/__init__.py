"""Tool schemas, execution, and repair of tool calls that small models write as text."""
