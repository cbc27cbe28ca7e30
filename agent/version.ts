export const AGENT_NAME = 'inspector-agent';
export const AGENT_VERSION = '0.1.0';
