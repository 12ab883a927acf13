// Node-RED loads this file; the code is compiled from src/nodes/filebridge-server.ts into dist/.
module.exports = require('../dist/nodes/filebridge-server');
