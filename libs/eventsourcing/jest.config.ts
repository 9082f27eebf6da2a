export default {
  displayName: 'eventsourcing',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/eventsourcing',
};
